"""The in-memory secret store that stands in for the OS keyring in tests only."""

from __future__ import annotations


class InMemorySecretStore:
    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    @property
    def label(self) -> str:
        return "test keyring (memory)"

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def set(self, name: str, value: str) -> None:
        self.values[name] = value

    def delete(self, name: str) -> None:
        self.values.pop(name, None)
