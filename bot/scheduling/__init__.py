"""When follow-ups may reach people: quiet hours, time zones and local wall-clock times."""
