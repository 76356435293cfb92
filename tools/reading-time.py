"""back/README.md's reading time, by its own method: words of code at 125 a minute, words of
comments, docstrings and the README at 200. A word is what `wc -w` counts; Python's
tokenizer tells comments and docstrings from code, and `#` starts a comment in the
Dockerfile and requirements.txt. api/openapi.json is data: not counted.

    python3 tools/reading-time.py      # a line per file, then the sum
"""

import io
import tokenize
from pathlib import Path

BACK = Path(__file__).resolve().parents[1] / "back"
STATEMENT_STARTS = (tokenize.NEWLINE, tokenize.NL, tokenize.INDENT, tokenize.DEDENT)


def python_words(source):
    """(words of code, words of comments and docstrings) of a Python file."""
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    prose, previous = [], tokenize.NEWLINE
    for token, following in zip(tokens, tokens[1:], strict=False):
        docstring = (
            token.type == tokenize.STRING
            and previous in STATEMENT_STARTS
            and following.type == tokenize.NEWLINE
        )
        if token.type == tokenize.COMMENT or docstring:
            prose.append(token.string)
        if token.type not in (tokenize.NL, tokenize.COMMENT):
            previous = token.type
    written = sum(len(text.split()) for text in prose)  # a comment's "#" is neither
    return len(source.split()) - written, sum(len(text.lstrip("#").split()) for text in prose)


def hash_comment_words(source):
    code = prose = 0
    for line in source.splitlines():
        before, _, comment = line.partition(" #") if not line.startswith("#") else ("", "", line)
        code, prose = code + len(before.split()), prose + len(comment.lstrip("#").split())
    return code, prose


def main():
    counts = {path: python_words(path.read_text()) for path in sorted(BACK.glob("api/*.py"))}
    counts[BACK / "gunicorn.conf.py"] = python_words((BACK / "gunicorn.conf.py").read_text())
    for name in ("Dockerfile", "requirements.txt"):
        counts[BACK / name] = hash_comment_words((BACK / name).read_text())
    counts[BACK / "README.md"] = (0, len((BACK / "README.md").read_text().split()))
    for path, (code, prose) in counts.items():
        print(f"{path.relative_to(BACK)!s:20} {code:5} words of code {prose:5} of prose")
    code = sum(c for c, _ in counts.values())
    prose = sum(p for _, p in counts.values())
    print(
        f"{code:,} words of code at 125 a minute and {prose:,} of prose at 200: "
        f"{code / 125:.1f} + {prose / 200:.1f} = {code / 125 + prose / 200:.0f} minutes"
    )


if __name__ == "__main__":
    main()
