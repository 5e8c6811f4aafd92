"""The reading rules for notices and attribution, on streams real servers produce."""

from grader.labs.chat.matching import attribution_line, normalize, notice_line


def test_notice_in_english_and_russian():
    assert notice_line("* Bob joined the chat\n", "Bob")
    assert notice_line("Клиент Bob присоединился к чату", "Bob")
    assert notice_line("Борис вошёл в чат\n", "Борис")


def test_name_line_relayed_back_is_not_a_notice():
    assert notice_line("Bob\n", "Bob") is None
    assert notice_line("hello\nBob\nhi\n", "Bob") is None


def test_name_glued_to_an_earlier_message_is_not_a_word():
    assert notice_line("('127.0.0.1', 5000) has entered the roomBob\n", "Bob") is None


def test_server_that_keeps_the_name_newline():
    assert notice_line("Bob\n joined the chat", "Bob") == "Bob joined the chat"
    assert normalize("Alice\n: hello", ["Alice"]) == "Alice: hello"
    # A newline followed by a new word is a new line, not a continuation.
    assert notice_line("Bob\nhello", "Bob") is None


def test_attribution_needs_the_name_on_the_message_line():
    assert attribution_line("Alice: hello there\n", "hello there", "Alice")
    assert attribution_line("[Alice] hello there", "hello there", "Alice")
    assert attribution_line("hello there\n", "hello there", "Alice") is None
    assert attribution_line("Alice joined\nhello there\n", "hello there", "Alice") is None


def test_name_inside_the_message_text_is_no_attribution():
    assert attribution_line("hello Alice\n", "hello Alice", "Alice") is None
