"""JSON pointers (RFC 6901): joining escapes `~` and `/`, splitting undoes it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from braket_jobspec import pointer as ptr

tokens = st.one_of(st.text(alphabet="ab~/01", max_size=6), st.integers(0, 1000))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(path=st.lists(tokens, max_size=5))
def test_a_joined_pointer_splits_back_into_its_tokens(path: list[str | int]) -> None:
    one_by_one = ""
    for token in path:
        one_by_one = ptr.join(one_by_one, token)
    assert one_by_one == ptr.join("", *path) == ptr.from_path(path)
    assert ptr.split(one_by_one) == [str(t) for t in path]


def test_the_rfc_examples() -> None:
    # RFC 6901, section 5: "/a~1b" names "a/b", "/m~0n" names "m~n".
    assert ptr.join("", "a/b") == "/a~1b"
    assert ptr.join("", "m~n") == "/m~0n"
    assert ptr.join("/x", "~1") == "/x/~01"
    assert ptr.split("/a~1b/m~0n/~01") == ["a/b", "m~n", "~1"]
