"""Verbs in called names: which awaits change something the world can see in order, which
only fetch data, and what running them together can gain."""

from __future__ import annotations

__all__ = ["EFFECTS", "MUTATING", "NETWORK_GAIN", "READS", "STATE_CHANGES", "judge"]

MUTATING = (
    "create", "insert", "update", "delete", "remove", "save", "set", "put", "write", "send",
    "publish", "commit", "post", "patch", "add", "apply", "store", "upsert", "append", "emit",
    "incr", "decr", "hset", "hdel", "hincr", "lpush", "rpush", "sadd", "srem", "zadd", "zrem",
    "expire", "xadd", "mark", "record", "log", "track",
)  # fmt: skip
READS = (
    "get", "fetch", "load", "read", "list", "find", "query", "search", "lookup", "count",
    "retrieve", "download", "resolve", "describe", "stat", "head",
)  # fmt: skip
#: Verbs that change an entity: a later call on the same entity must wait for them.
STATE_CHANGES = (
    "create", "insert", "update", "delete", "remove", "save", "write", "put", "set", "store",
    "upsert", "apply", "commit", "make", "build", "reserve", "charge", "claim", "allocate",
    "provision", "assign", "move", "rename", "copy", "upload", "reset", "mark", "patch",
)  # fmt: skip


#: Calls with an effect someone can observe in order (a reply after a ban, an event after
#: a write, a log line): a run that holds one is reported at low confidence.
EFFECTS = MUTATING + STATE_CHANGES + (
    "reply", "respond", "edit", "defer", "followup", "follow_up", "react", "notify", "kick",
    "ban", "unban", "mute", "unmute", "ack", "nack", "dispatch", "trigger", "fire", "broadcast",
    "announce", "warning", "warn", "error", "exception", "info", "debug", "critical",
    "increment", "decrement", "histogram", "gauge", "timing", "invalidate", "clear", "refresh",
    "sync", "flush", "pin", "unpin", "invoke", "call", "execute", "run", "handle", "process",
    "unload", "load_extension", "reload", "restart", "drop", "purge", "archive", "enable",
    "disable", "join", "leave", "invite", "grant", "revoke", "approve", "reject", "cancel",
    "kill", "close", "open", "typing", "trigger_typing", "set_", "change", "modify", "edit_",
    "sleep", "wait", "schedule", "enqueue", "submit", "push", "pop", "transfer", "pay", "sign",
)  # fmt: skip
#: Calls that look like fetching data over the network (the case gathering speeds up).
_FETCH_VERBS = ("get", "fetch", "download", "request", "query", "search", "lookup", "retrieve")
NETWORK_GAIN = "2-10x lower latency when these are network round trips (they overlap)"
_UNSURE_GAIN = (
    "depends on what they wait on: network round trips overlap; a database in a thread, "
    "one connection or CPU work gains nothing"
)


def judge(kinds: list[str]) -> tuple[str, str]:
    """Confidence and gain of awaits that could run together, from what each waits on.

    ``kinds`` come from :func:`codeflash_lab.scan.network.call_kind`. High when every
    await is a network round trip; medium when the rest are functions of other modules
    (settled across modules by the engine); low when an ordered effect, a local store or
    something unknown is among them.
    """
    if all(k == "network" for k in kinds):
        return "high", NETWORK_GAIN
    if all(k in ("network", "imported") for k in kinds):
        return "medium", NETWORK_GAIN
    return "low", _UNSURE_GAIN
