"""A generation's cost after the fact: ``GET {base}/generation?id=ID``, OpenRouter's record of it.

[Assumption] The service forwards OpenRouter's generation endpoint. A 404 is taken to mean it
does not: the cost is then not asked again in this run. The record may lag the end of the reply,
so a record without its cost yet is asked again, a few times over a few seconds.
"""

from __future__ import annotations

import math
import time
from typing import Any

from sacli.api.client import ApiClient, decode_json_reply, unwrap
from sacli.errors import SacliError

WAITS = (0.5, 1.0, 1.5)  # seconds before each further ask for a record that has no cost yet


class GenerationCosts:
    """Asks for generations' costs; after a 404 it asks no more."""

    def __init__(self, api: ApiClient, *, sleep: Any = time.sleep) -> None:
        self.api = api
        self.sleep = sleep
        self.unavailable = False

    def cost(self, generation_id: str) -> float | None:
        """The generation's total cost in dollars; None when it cannot be had. A failed request is
        not asked again (the transport has already retried it as its policy says)."""
        for wait in (0.0, *WAITS):
            if self.unavailable:
                return None
            if wait:
                self.sleep(wait)
            try:
                payload = self.api.transport.request(
                    "GET",
                    f"{self.api.settings.base_url}/generation",
                    params={"id": generation_id},
                    headers=self.api.headers(require="none", Accept="application/json"),
                    handle=decode_json_reply,
                )
            except SacliError as error:
                self.unavailable = error.status in (404, 405)
                return None
            record = unwrap(payload)
            cost = record.get("total_cost") if isinstance(record, dict) else None
            if isinstance(cost, int | float) and not isinstance(cost, bool) and math.isfinite(cost) and cost >= 0:
                return float(cost)
        return None
