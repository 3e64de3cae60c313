"""Export a conversation as Markdown (to read) or JSON (to re-import or analyse)."""

from __future__ import annotations

import json

from .store import Conversation, StoredMessage

_STATUS_NOTE = {"stopped": " *(stopped)*", "error": " *(failed)*", "streaming": " *(interrupted)*"}


def to_markdown(conversation: Conversation, messages: list[StoredMessage]) -> str:
    lines = [f"# {conversation.title}", ""]
    for m in messages:
        lines.append(f"**{m.role.capitalize()}**{_STATUS_NOTE.get(m.status, '')}")
        lines.append("")
        lines.append(m.content)
        lines.append("")
    return "\n".join(lines)


def to_json(conversation: Conversation, messages: list[StoredMessage]) -> str:
    return json.dumps(
        {
            "id": conversation.id,
            "title": conversation.title,
            "created": conversation.created,
            "updated": conversation.updated,
            "messages": [
                {
                    "role": m.role,
                    "content": m.content,
                    "status": m.status,
                    "meta": m.meta,
                    "feedback": m.feedback,
                    "feedback_comment": m.feedback_comment,
                }
                for m in messages
            ],
        },
        indent=2,
    )
