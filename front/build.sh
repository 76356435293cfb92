#!/bin/sh
# The page's build step, run by the first stage of the Dockerfile: sh build.sh SOURCE OUT
#
# Each file that index.html loads (app.js, styles.css, favicon.svg) is copied to OUT under a
# name that holds its content's hash (app.3f2a9c0b1d4e.js), and index.html is rewritten to
# load those names; other files keep theirs. A changed file is a new name, which browsers
# fetch at once; a name never gets other content, so nginx lets browsers keep it a year
# without asking again. Only index.html is asked for on each load (front/README.md).
#
# POSIX sh, sha256sum and sed: Debian's and busybox's (the nginx and alpine images) both do.
set -eu

source=${1:?usage: sh build.sh SOURCE OUT}
out=${2:?usage: sh build.sh SOURCE OUT}

rm -rf "$out"
mkdir -p "$out"
# sed's script: one substitution per file, built in the loop.
rules=

for path in "$source"/*; do
    file=${path##*/}
    case $file in
        index.html) continue ;;
        *[!A-Za-z0-9._-]* | .*)
            echo "build.sh: $file: name it with letters, digits, '.', '_' or '-'" >&2
            exit 1 ;;
    esac
    [ -f "$path" ] || { echo "build.sh: $file: not a file (no folders in $source)" >&2; exit 1; }
    if ! grep -q "\"$file\"" "$source/index.html"; then
        cp "$path" "$out/$file" # not loaded by the page (robots.txt): its name stays
        continue
    fi
    hash=$(sha256sum <"$path" | cut -c 1-12)
    hashed="${file%.*}.$hash.${file##*.}"
    cp "$path" "$out/$hashed"
    # Only quoted names, as in src="app.js"; the dots escaped for sed.
    rules="$rules s/\"$(printf '%s' "$file" | sed 's/\./\\./g')\"/\"$hashed\"/g;"
    echo "build.sh: $file -> $hashed"
done

sed "$rules" "$source/index.html" >"$out/index.html"
