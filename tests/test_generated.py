"""generated/ must be exactly what `symconv generate` writes today."""

from pathlib import Path

from symconv.generate import REFRESH_COMMAND, artifacts, compare, write_all

GENERATED = Path(__file__).resolve().parent.parent / "generated"


def test_generated_is_fresh():
    problems = compare(GENERATED)
    assert not problems, (
        "generated/ is stale; refresh it with:\n    " + REFRESH_COMMAND + "\n\n"
        + "\n".join(problems))


def test_generation_is_reproducible(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    write_all(a)
    write_all(b)
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_compare_detects_changed_missing_and_stray_files(tmp_path):
    write_all(tmp_path)
    assert compare(tmp_path) == []
    first = sorted(artifacts())[0]
    (tmp_path / first).write_text("edited by hand\n", encoding="utf-8")
    (tmp_path / "stray.txt").write_text("x\n", encoding="utf-8")
    problems = compare(tmp_path)
    assert any(p.startswith(f"stale: {first}") and "@@" in p for p in problems)
    assert "not generated (stale or stray): stray.txt" in problems
    (tmp_path / first).unlink()
    assert f"missing: {first}" in compare(tmp_path)
