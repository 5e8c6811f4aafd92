"""What a terminal displays for coloured, rewritten output."""

from grader.drive.display import displayed


def test_colours_vanish():
    assert displayed("\x1b[32mBob joined\x1b[0m\n") == "Bob joined\n"


def test_carriage_return_overwrites_and_erase_line_clears():
    assert displayed("abc\rxy") == "xyc"
    assert displayed("> \r\x1b[2KBob: hi\n> ") == "Bob: hi\n> "
    assert displayed("typing\x1b[1K\rX") == "X     "


def test_clear_screen_and_cursor_moves_start_a_new_line():
    assert displayed("old\x1b[2J\x1b[HBob joined") == "old\nBob joined"
    assert displayed("hello\x1b[1A\x1b[2Kworld\n") == "hello\nworld\n"


def test_plain_text_is_untouched():
    assert displayed("a\nb\tc") == "a\nb\tc"
