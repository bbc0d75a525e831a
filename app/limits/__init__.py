"""Limit rules (限额配置): per-kind limits by region and bank, with dates. They are
history: a rule is ended (valid_to) and a new one added, never edited in place."""

