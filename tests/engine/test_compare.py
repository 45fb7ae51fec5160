"""The reader's re-run comparison: same within a relative tolerance, or different."""

from scripts.derivations.compare import differs


def test_values_within_tolerance_are_the_same():
    assert not differs(1.0, 1.0 + 1e-12, rtol=1e-9)
    assert not differs([1, 2.0], [1, 2.0], rtol=1e-9)
    assert not differs(0.0, 1e-15, rtol=1e-9)


def test_values_beyond_tolerance_or_of_another_shape_differ():
    assert differs(1.0, 1.001, rtol=1e-9)
    assert differs([1, 2], [1, 2, 3], rtol=1e-9)
    assert differs(1.0, "(missing)", rtol=1e-9)
