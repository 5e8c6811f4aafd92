"""The reading rules for notices and attribution, on streams real servers produce."""

from grader.labs.chat.matching import (
    attribution_line,
    empty_relays,
    ends_with_name,
    is_relay,
    message_line,
    normalize,
    notice_line,
    relay_prefix,
    sent_name,
)


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


def test_an_address_is_no_notice_word():
    assert notice_line("('127.0.0.1', 50312): Bob\n", "Bob") is None
    assert notice_line("localhost:50312 Bob\n", "Bob") is None
    assert notice_line("[3] Bob\n", "Bob") is None
    assert notice_line("('127.0.0.1', 50312) Bob joined\n", "Bob")


def test_a_line_shaped_like_the_members_relays_is_no_notice():
    assert notice_line("Anonymous: Bob\n", "Bob")  # alone, it may be a notice...
    assert notice_line("Anonymous: Bob\n", "Bob", relays=["Anonymous: "]) is None  # ...not when relays look so
    assert notice_line("[1] Anonymous: Bob\n", "Bob", relays=["[7] Anonymous: "]) is None  # counters blur
    assert notice_line("New member: Bob\n", "Bob", relays=["Bob> "]) == "New member: Bob"
    assert ends_with_name("New member: Bob", "Bob") and not ends_with_name("Bob joined", "Bob")


def test_empty_relays_after_a_leave_are_no_notice():
    flood = "Bob says: Bob says: Bob says: Bob sa"
    assert notice_line(flood, "Bob", relays=["Bob says: "]) is None
    assert notice_line("ys: Bob says: Bob says: ", "Bob", relays=["Bob says: "]) is None
    assert notice_line("Bob says: Bob says: * Bob left\n", "Bob", relays=["Bob says: "])
    assert empty_relays(flood, "Bob", ["Bob says: "]) == 2
    assert empty_relays("Bob: \nBob: hi\nBob:", "Bob") == 2
    assert empty_relays("Bob: hi\nBob left\n", "Bob") == 0


def test_relay_prefix():
    assert relay_prefix("x\n[3] Anonymous: just checking in\n", "just checking in") == "[3] Anonymous: "
    assert relay_prefix("just checking in", "just checking in") == ""
    assert relay_prefix("nothing here", "just checking in") is None
    assert is_relay("Bob says:", "Bob", ["Bob says: "])


def test_matching_reads_what_a_terminal_shows():
    assert notice_line("\x1b[32m* Bob joined\x1b[0m\n", "Bob") == "* Bob joined"
    assert attribution_line("\x1b[1;34mAlice\x1b[0m: hello there\n", "hello there", "Alice")
    assert message_line("> \r\x1b[2KDora: hi all\n", "hi all", ["Dora"]) == "Dora: hi all"


def test_a_typed_line_inside_a_notice_is_no_message():
    assert message_line("* hello joined the chat\n", "hello") is None
    assert message_line("hello\n", "hello") == "hello"
    assert message_line("[Dora] hello\n", "hello", ["Dora"])
    assert message_line("('127.0.0.1', 5000): hello", "hello")


def test_sent_name():
    assert sent_name(["Dora\n", "hi\n"], "Dora") == "first"
    assert sent_name(["NICK Dora"], "Dora") == "first"
    assert sent_name(["Dora: hello everyone\n"], "Dora", "hello everyone") == "every"
    assert sent_name(["hello everyone\n"], "Dora", "hello everyone") is None
    assert sent_name([], "Dora") is None
