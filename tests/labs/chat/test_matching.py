"""The reading rules for notices and attribution, on streams real servers produce."""

from grader.labs.chat.matching import (attribution_line, empty_relays, ends_with_name, is_relay, normalize,
                                      notice_line, relay_prefix)


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
