"""Against a real MariaDB server set up like the lesson's db container (see mariadb_server.py)."""

import shlex
import threading
import time

import pymysql
import pytest
from kit import quoted, troubleshooting_row

from api import create_app
from api.db import SchemaMismatch
from api.health import NO_RIGHTS_HINT
from api.images import PAGE_SQL
from mariadb_server import APP_PASSWORD, APP_USER, DB_TIMEOUT, INIT_SQL, db_config

pytestmark = pytest.mark.integration


def add(client, caption, filename="a.gif"):
    response = client.post("/images", json={"caption": caption, "filename": filename})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_init_sql_seeds_hello_once_and_can_run_again(live_db, empty_images):
    live_db.run_sql_file(INIT_SQL)  # empty table: the seed row comes back
    live_db.run_sql_file(INIT_SQL)  # IF NOT EXISTS everywhere, and no second seed row
    with live_db.root("images") as conn, conn.cursor() as cur:
        cur.execute("SELECT caption, filename FROM images")
        assert cur.fetchall() == (("Hello", "hello-caption.gif"),)
        cur.execute(
            "SELECT default_character_set_name FROM information_schema.schemata"
            " WHERE schema_name = 'images'"
        )
        assert cur.fetchone() == ("utf8mb4",)


def test_app_user_may_change_rows_but_not_the_schema(live_db):
    conn = pymysql.connect(
        host="127.0.0.1", port=live_db.port, user=APP_USER, password=APP_PASSWORD, database="images"
    )
    with conn, conn.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM images")
        for statement in ("DROP TABLE images", "CREATE TABLE t (i INT)", "CREATE DATABASE x"):
            with pytest.raises(pymysql.err.MySQLError) as denied:
                cur.execute(statement)
            assert denied.value.args[0] in (1044, 1142)  # access denied


def test_wrong_password_is_503_without_the_password(live_db):
    app = create_app(db_config(live_db, mysql_password="not-the-Secret"))
    response = app.test_client().get("/health")
    assert response.status_code == 503
    assert "Access denied" in response.get_json()["error"]
    assert "not-the-Secret" not in response.get_data(as_text=True)


def test_a_user_without_rights_on_the_database_is_told_of_init_sql(live_db):
    """MySQL's 1044, as before db/init.sql ran (lesson 3): the hint names init.sql, not a
    MySQL of your own (the course's lesson 2 reads "Access denied" so)."""
    app = create_app(db_config(live_db, mysql_database="images_never_made"))
    body = app.test_client().get("/health").get_json()
    assert body["error"].startswith("(1044, \"Access denied for user 'user'")
    assert body["hint"] == NO_RIGHTS_HINT.format(database="images_never_made")
    assert "db/init.sql" in body["hint"]


def test_create_read_delete(client):
    filename = "f" * 251 + ".gif"  # the longest that fits
    response = client.post("/images", json={"caption": "A cat", "filename": filename})
    created = response.get_json()
    location = f"/images/{created['id']}"
    assert (response.status_code, response.headers["Location"]) == (201, location)
    assert client.get(location).get_json() == created
    assert created["filename"] == filename
    assert client.delete(location).status_code == 204
    assert client.get(location).status_code == 404
    assert client.delete(location).status_code == 404


# Captions stored, and read back, exactly as sent but trimmed (the refusals are
# test_back_http.py's). Python's whitespace is trimmed: NBSP and the ASCII separators
# U+001C-U+001F, not the zero-width space U+200B. 100 emoji are 100 characters (400 bytes
# in utf8mb4) and fit VARCHAR(100). SQL is stored as plain text.
CAPTIONS = [
    ("a cat", "a cat"), ("x" * 100, "x" * 100), (" " + "x" * 99, "x" * 99),
    ("\u00a0cat\u00a0", "cat"), ("\u001ccat", "cat"),
    *[(same, same) for same in ("\u200b", "a\u0000b", "café", "Grüße aus Köln",
      "日本語のキャプション", "🐳" * 100, "é" * 100, "'); DROP TABLE images; --",
      "Robert'); DELETE FROM images WHERE ('1'='1", '" OR 1=1 -- \\', "%s %(x)s {}")],
]  # fmt: skip


# Ids in ASCII, no backslash: pytest escapes ids again in a process that collects twice, as
# mutmut's does, and then finds no test by them (tests/README.md, "Mutation testing").
@pytest.mark.parametrize(
    ("caption", "stored"), CAPTIONS, ids=[ascii(c)[:30].replace("\\", "") for c, _ in CAPTIONS]
)
def test_captions_are_stored_exactly(client, caption, stored):
    created = add(client, caption)
    assert client.get(f"/images/{created['id']}").get_json()["caption"] == stored
    assert client.get("/health").status_code == 200  # the table is still there


def test_answers_are_compact_sorted_utf8_json_with_a_final_newline(client):
    """What api/__init__.py's OrjsonProvider promises: Flask's compact form with sorted keys
    and a final newline, and text beyond ASCII as UTF-8 rather than \\u escapes."""
    created = client.post("/images", json={"caption": "café ✓", "filename": "c.gif"})
    image_id = created.get_json()["id"]
    answer = client.get(f"/images/{image_id}")
    assert answer.mimetype == "application/json"
    expected = f'{{"caption":"café ✓","filename":"c.gif","id":{image_id}}}\n'
    assert answer.data == expected.encode("utf-8")


def test_paging_newest_first_with_cursor(client, empty_images):
    assert client.get("/images").get_json() == {"items": [], "next_cursor": None}
    ids = [add(client, f"n{i}")["id"] for i in range(7)]
    seen, cursor = [], None
    for _ in range(4):  # 7 rows, 3 a page: the third page is the last (a bound, not a hang)
        query = "/images?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(query).get_json()
        assert len(page["items"]) <= 3
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert cursor is None, "a fourth page: the cursor does not move on"
    assert seen == sorted(ids, reverse=True)
    # The smallest and largest values: limit=1, a cursor of 10 digits, and cursor=1.
    page = client.get("/images?limit=1").get_json()
    assert ([item["id"] for item in page["items"]], page["next_cursor"]) == (ids[-1:], ids[-2])
    newest = client.get("/images?cursor=2147483647&limit=1").get_json()
    assert [item["id"] for item in newest["items"]] == ids[-1:]
    below_1 = client.get("/images?cursor=1&limit=7").get_json()["items"]
    assert [item["id"] for item in below_1] == [i for i in ids if i <= 1]  # the cursor's row


def test_pages_of_50_or_up_to_200_read_only_their_rows_through_the_primary_key(live_db, client):
    # The cost stays flat as the table grows: no full scan, no sort (see docs/benchmarks.md).
    with live_db.root("images") as conn, conn.cursor(pymysql.cursors.DictCursor) as cur:
        cur.execute("INSERT INTO images (caption, filename) SELECT 'x', 'x.gif' FROM seq_1_to_5000")
        cur.execute("ANALYZE TABLE images")
        cur.execute("EXPLAIN " + PAGE_SQL, (2**31 - 1, 51))
        plan = cur.fetchone()
    assert plan["key"] == "PRIMARY"
    assert "filesort" not in (plan["Extra"] or "")
    assert plan["type"] in ("range", "index")
    assert len(client.get("/images").get_json()["items"]) == 50
    page = client.get("/images?limit=200").get_json()
    assert len(page["items"]) == 200 and page["next_cursor"] is not None


def test_database_stopped_then_restarted_without_restarting_the_app(client, live_db):
    response = client.get("/health")  # leaves a pooled connection behind
    assert response.status_code == 200 and client.get("/readyz").status_code == 200
    body = response.get_json()
    assert body["status"] == "running" and body["db"] is True
    assert abs(body["timestamp"] - time.time() * 1000) < 60_000
    live_db.stop()
    started = time.monotonic()
    response = client.get("/health")
    elapsed = time.monotonic() - started
    # A stopped server fails at once: the pooled connection is closed, the retry is refused.
    # No timeout is involved; 2 s or more is api/db.py's 2 s connect or read timeout at work.
    assert elapsed < DB_TIMEOUT, f"503 after {elapsed:.1f} s: it waited on a timeout"
    assert response.status_code == 503
    assert response.get_json()["db"] is False
    assert client.get("/images").status_code == 503

    live_db.start()
    assert client.get("/health").status_code == 200


@pytest.mark.parametrize(
    ("table", "said"),
    [("id INT PRIMARY KEY, caption VARCHAR(100)", "Unknown column 'filename'"), ("", "exist")],
    ids=["1054-no-such-column", "1146-no-such-table"],
)
def test_a_table_unlike_init_sql_is_a_500_naming_it_and_health_a_503_with_the_fix(
    live_db, table, said
):
    """A database kept from an older init.sql (db/README.md: Changing the schema)."""
    with live_db.root() as conn, conn.cursor() as cur:
        cur.execute("CREATE DATABASE old_images")
        cur.execute(f"GRANT SELECT, INSERT ON old_images.* TO {APP_USER}@'%'")
        if table:
            cur.execute(f"CREATE TABLE old_images.images ({table})")
    try:
        client = create_app(db_config(live_db, mysql_database="old_images")).test_client()
        for answer in (
            client.get("/images"),
            client.post("/images", json={"caption": "a", "filename": "a.gif"}),
        ):
            assert answer.status_code == 500
            assert said in answer.get_json()["message"]
            assert answer.get_json()["message"].endswith(f". {SchemaMismatch.HINT}")
        health = client.get("/health")
        assert health.status_code == 503
        assert said in health.get_json()["error"]
        assert health.get_json()["hint"] == SchemaMismatch.HINT
        seen, _, fix = troubleshooting_row("differs from db/init.sql")  # the README's row
        assert SchemaMismatch.HINT.split(":")[0] in seen and "changing-the-schema" in fix
    finally:
        with live_db.root() as conn, conn.cursor() as cur:
            cur.execute("DROP DATABASE old_images")


PROMISED = 3  # seconds: the README's and back/README's promise for a hung database


@pytest.mark.parametrize("pooled", [True, False], ids=["pooled-connection", "new-connection"])
def test_hung_database_is_503_within_3_seconds(live_db, pooled):
    client = create_app(db_config(live_db)).test_client()
    if pooled:
        assert client.get("/health").status_code == 200  # leaves a connection in the pool
    live_db.pause()
    # Resumed after 8 s anyway: a request that would wait for ever fails, never hangs.
    resume = threading.Timer(PROMISED + 5, live_db.resume)
    resume.start()
    try:
        started = time.monotonic()
        response = client.get("/health")
        elapsed = time.monotonic() - started
    finally:
        resume.cancel()
        live_db.resume()
    assert response.status_code == 503
    assert "timed out" in response.get_json()["error"]
    # The promise, a 503 within 3 s: one 2 s timeout (api/db.py's read_timeout, or
    # connect_timeout for a new connection) and no second try, which would take 4 s.
    assert elapsed < PROMISED, f"503 after {elapsed:.1f} s, not within the promised {PROMISED} s"
    assert elapsed >= DB_TIMEOUT  # the database did hang: the answer waited for the timeout
    assert client.get("/health").status_code == 200


def test_the_readmes_curl_for_a_415_or_400_adds_an_image(client, empty_images):
    """README's row "`POST /images` answers `415` or `400`": curl's -d alone sends a form
    (415), a JSON array is no object (400), and the row's curl command adds the image."""
    seen, _, fix = troubleshooting_row("answers `415` or `400`")
    assert quoted(seen) == ["POST /images", "415", "400"]
    words = shlex.split(quoted(fix)[0])
    assert words[:2] == ["curl", "-i"] and words[2].endswith(":3000/images")
    body = words[words.index("-d") + 1]
    name, value = words[words.index("-H") + 1].split(": ")

    as_a_form = client.post("/images", data=body, content_type="application/x-www-form-urlencoded")
    as_a_list = client.post("/images", json=[body])
    as_the_row_says = client.post("/images", data=body, headers={name: value})

    assert (as_a_form.status_code, as_a_list.status_code) == (415, 400)
    assert as_the_row_says.status_code == 201, as_the_row_says.get_json()
    assert client.get("/images").get_json()["items"][0]["caption"] == "a cat"
