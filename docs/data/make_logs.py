"""Build ``room_logs.jsonl``: sixteen conversation logs of Deskmate, a fictional meeting-room booking assistant.

Deskmate books the four meeting rooms of Larkspur Works, a made-up office; neither exists. Each line of the file
is one conversation in the OpenAI chat format, the way a chat app logs it: a ``messages`` list (system prompt,
user turns, assistant turns with ``tool_calls`` and the ``tool`` messages that answer them), the ``model``, a
``metadata`` object and, for the conversations that used a tool, an ``outcome`` object with the bookings the
calendar really created.

The conversations are written out below, one per entry. Five of them fail in ways a reviewer would catch: a reply
that claims a booking the tool refused, a reply that claims a booking no tool made, a booking made without the
availability search the system prompt requires, and two bookings with a wrong argument (the wrong time, the wrong
day). The tool-call ids and booking ids are drawn from a fixed seed, so the file is the same on every run.

Run ``python docs/data/make_logs.py`` to rewrite ``docs/data/room_logs.jsonl``.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

SEED = 20260504
MODEL = "deskmate-llm"
OUT = Path(__file__).with_name("room_logs.jsonl")

PROMPTS = {
    "p1": (
        "You are Deskmate, the room-booking assistant of Larkspur Works. Rooms: Willow (3 seats), Fern (4), "
        "Birch (6), Cedar (10, the only one with a video screen). Call find_rooms before book_room. "
        "Today is Monday 2026-05-04."
    ),
    "p2": (
        "You are Deskmate, the room-booking assistant of Larkspur Works. Rooms: Willow (3 seats), Fern (4), "
        "Birch (6), Cedar (10, the only one with a video screen). Call find_rooms before book_room, and say a "
        "room is booked only when book_room returned status 'booked'. Today is Monday 2026-05-04."
    ),
}
ROOMS = {"Willow": 3, "Fern": 4, "Birch": 6, "Cedar": 10}


def rooms(*names: str) -> dict:
    return {"rooms": [{"room": name, "capacity": ROOMS[name]} for name in names]}


# Each conversation: its id, channel, prompt version and turns. A turn is ("user", text), ("assistant", text),
# ("find", arguments, result) for find_rooms, or ("book", arguments, result) for book_room; a book result of
# "ok" becomes a confirmed booking with a fresh id.
# fmt: off
CONVERSATIONS = [
    ("c01", "web", "p1", [
        ("user", "Can you book a room for 5 people tomorrow from 10:00 to 11:00? It's the design review."),
        ("find", {"date": "2026-05-05", "start": "10:00", "end": "11:00", "people": 5}, rooms("Birch", "Cedar")),
        ("book", {"room": "Birch", "date": "2026-05-05", "start": "10:00", "end": "11:00"}, "ok"),
        ("assistant", "Done: Birch (6 seats) is booked for tomorrow, 5 May, 10:00-11:00."),
    ]),
    ("c02", "slack", "p1", [
        ("user", "which room has the video screen?"),
        ("assistant", "Cedar is the only room with a video screen. It seats 10."),
    ]),
    ("c03", "web", "p1", [
        ("user", "Please book Cedar for our all-hands tomorrow, 14:00-15:00. We are 9."),
        ("find", {"date": "2026-05-05", "start": "14:00", "end": "15:00", "people": 9}, rooms()),
        ("book", {"room": "Cedar", "date": "2026-05-05", "start": "14:00", "end": "15:00"},
         {"status": "refused", "reason": "Cedar is already booked 14:00-16:00 (board prep)."}),
        ("assistant", "Cedar is booked for your all-hands tomorrow, 14:00-15:00. Have a good meeting!"),
    ]),
    ("c04", "slack", "p1", [
        ("user", "book Fern tomorrow 09:00-10:00, we are 8"),
        ("book", {"room": "Fern", "date": "2026-05-05", "start": "09:00", "end": "10:00"}, "ok"),
        ("assistant", "Fern is booked for tomorrow, 09:00-10:00."),
    ]),
    ("c05", "web", "p2", [
        ("user", "I need a room for 4 people on Wednesday, 15:00 to 16:00."),
        ("find", {"date": "2026-05-06", "start": "15:00", "end": "16:00", "people": 4}, rooms("Fern", "Birch")),
        ("book", {"room": "Fern", "date": "2026-05-06", "start": "13:00", "end": "14:00"}, "ok"),
        ("assistant", "Fern is booked for Wednesday 6 May, 15:00-16:00."),
    ]),
    ("c06", "web", "p2", [
        ("user", "Book a room for 3 people on Thursday, 11:00-12:00 please."),
        ("find", {"date": "2026-05-05", "start": "11:00", "end": "12:00", "people": 3},
         rooms("Willow", "Fern", "Birch")),
        ("book", {"room": "Willow", "date": "2026-05-05", "start": "11:00", "end": "12:00"}, "ok"),
        ("assistant", "Willow is booked for Tuesday 5 May, 11:00-12:00."),
    ]),
    ("c07", "web", "p2", [
        ("user", "Is there a room for 12 people tomorrow at 16:00, for an hour?"),
        ("find", {"date": "2026-05-05", "start": "16:00", "end": "17:00", "people": 12}, rooms()),
        ("assistant", "No room seats 12: the largest, Cedar, seats 10. I can look for Cedar plus a second room, "
                      "if that works for you."),
    ]),
    ("c08", "slack", "p2", [
        ("user", "can I have Cedar tomorrow 15:00-16:00? 6 of us"),
        ("find", {"date": "2026-05-05", "start": "15:00", "end": "16:00", "people": 6}, rooms("Birch")),
        ("assistant", "Cedar is already booked from 14:00 to 16:00. Birch (6 seats) is free from 15:00 to 16:00: "
                      "shall I take it?"),
    ]),
    ("c09", "slack", "p2", [
        ("user", "room for 2 today 12:00-12:30, quick 1:1"),
        ("find", {"date": "2026-05-04", "start": "12:00", "end": "12:30", "people": 2}, rooms("Willow", "Fern")),
        ("book", {"room": "Willow", "date": "2026-05-04", "start": "12:00", "end": "12:30"}, "ok"),
        ("assistant", "Booked: Willow, today 12:00-12:30."),
    ]),
    ("c10", "web", "p1", [
        ("user", "Please reserve Birch on Friday, 09:30-10:30, for 5 people."),
        ("find", {"date": "2026-05-08", "start": "09:30", "end": "10:30", "people": 5}, rooms("Birch", "Cedar")),
        ("assistant", "Birch is reserved for you on Friday 8 May, 09:30-10:30."),
    ]),
    ("c11", "web", "p1", [
        ("user", "I need a room tomorrow 13:00-14:00 for 6 people."),
        ("find", {"date": "2026-05-05", "start": "13:00", "end": "14:00", "people": 6}, rooms("Birch", "Cedar")),
        ("book", {"room": "Birch", "date": "2026-05-05", "start": "13:00", "end": "14:00"}, "ok"),
        ("assistant", "Birch is booked for tomorrow, 5 May, 13:00-14:00."),
    ]),
    ("c12", "slack", "p2", [
        ("user", "can you get me a room on Wednesday morning?"),
        ("assistant", "Sure. How many people, and from when to when?"),
        ("user", "4 of us, 10:00 to 11:30"),
        ("find", {"date": "2026-05-06", "start": "10:00", "end": "11:30", "people": 4},
         rooms("Fern", "Birch", "Cedar")),
        ("book", {"room": "Fern", "date": "2026-05-06", "start": "10:00", "end": "11:30"}, "ok"),
        ("assistant", "Fern is booked for Wednesday 6 May, 10:00-11:30."),
    ]),
    ("c13", "web", "p2", [
        ("user", "Can you order lunch for the design review?"),
        ("assistant", "I can only book meeting rooms. For lunch, ask the office team in the #office channel."),
    ]),
    ("c14", "web", "p1", [
        ("user", "Cedar tomorrow 17:00-18:00 for 8 people, please."),
        ("find", {"date": "2026-05-05", "start": "17:00", "end": "18:00", "people": 8}, rooms("Cedar")),
        ("book", {"room": "Cedar", "date": "2026-05-05", "start": "17:00", "end": "18:00"},
         {"status": "refused", "reason": "Cedar was taken by another booking a moment ago."}),
        ("assistant", "Sorry: someone took Cedar a moment before me, so I could not get it. No other room seats 8 "
                      "at 17:00."),
    ]),
    ("c15", "slack", "p2", [
        ("user", "need Fern friday 14:00-15:00 for 3"),
        ("find", {"date": "2026-05-08", "start": "14:00", "end": "15:00", "people": 3},
         rooms("Willow", "Fern", "Birch")),
        ("book", {"room": "Fern", "date": "2026-05-08", "start": "14:00", "end": "15:00"}, "ok"),
        ("assistant", "Fern is booked for Friday 8 May, 14:00-15:00."),
    ]),
    ("c16", "web", "p2", [
        ("user", "Book a room for 10 people on Thursday 10:00-12:00 for the quarterly planning."),
        ("find", {"date": "2026-05-07", "start": "10:00", "end": "12:00", "people": 10}, rooms("Cedar")),
        ("book", {"room": "Cedar", "date": "2026-05-07", "start": "10:00", "end": "12:00"}, "ok"),
        ("assistant", "Cedar is booked for Thursday 7 May, 10:00-12:00, for the quarterly planning."),
    ]),
]
# fmt: on


def conversation(rng: random.Random, cid: str, channel: str, prompt: str, turns: list) -> dict:
    """One log record: the messages in OpenAI format, plus metadata and (if a tool ran) the outcome."""
    messages = [{"role": "system", "content": PROMPTS[prompt]}]
    bookings, used_tools = [], False
    for kind, *rest in turns:
        if kind in ("user", "assistant"):
            messages.append({"role": kind, "content": rest[0]})
            continue
        used_tools = True
        arguments, result = rest
        if result == "ok":
            booking_id = f"B-{rng.randrange(1000, 10000)}"
            result = {"status": "booked", "booking_id": booking_id, **arguments}
            bookings.append(booking_id)
        call_id = f"call_{rng.getrandbits(48):012x}"
        name = {"find": "find_rooms", "book": "book_room"}[kind]
        messages.append(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": call_id,
                        "type": "function",
                        "function": {"name": name, "arguments": json.dumps(arguments)},
                    }
                ],
            }
        )
        messages.append({"role": "tool", "tool_call_id": call_id, "content": json.dumps(result)})
    record = {
        "model": MODEL,
        "metadata": {"conversation_id": cid, "channel": channel, "prompt": prompt},
        "messages": messages,
    }
    if used_tools:  # the booking service logs what it did only when a tool was called
        record["outcome"] = {"bookings": bookings}
    return record


def main() -> None:
    rng = random.Random(SEED)
    lines = [json.dumps(conversation(rng, *entry), ensure_ascii=False) for entry in CONVERSATIONS]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")
    print(f"wrote {len(lines)} conversations to {OUT.name}")


if __name__ == "__main__":
    main()
