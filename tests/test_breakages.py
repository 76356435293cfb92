"""The planted breakages (tests/breakages.py): each of its one-line breakages, in every part
the product runs, fails the offline tests listed for it, and the unbroken copy passes
them. tests/conftest.py starts the script as soon as this test is collected, so that its
pytest runs in copies of the repository go on beside the rest of the suite."""


def test_every_planted_breakage_is_caught(request):
    process, output = request.config.breakages
    process.wait(timeout=1200)
    output.seek(0)
    said = output.read()
    assert process.returncode == 0, said[-8000:]
