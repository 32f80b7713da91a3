"""What the sandbox's models cost: the price table of the lesson "Token usage and cost per request".

The prices are the lesson's illustrative ones (made up for teaching, no vendor's list): the
large model at the lesson's "Large" prices, the small one at its "Compact" prices, so what a
learner computes by hand from a `usage` block matches the cost in their access log. A test
holds this table to the lesson's.
"""

from dataclasses import dataclass
from decimal import Decimal

PER = 1_000_000  # prices are per million tokens, as providers quote them


@dataclass(frozen=True)
class Price:
    prompt: Decimal  # US dollars per 1M prompt (input) tokens
    completion: Decimal  # US dollars per 1M completion (output) tokens
    lesson_name: str  # the row of the lesson's table this model is priced as

    def cost(self, prompt_tokens: int, completion_tokens: int) -> Decimal:
        """Each kind of token at its own price: the pitfall the lesson warns of is one price."""
        return (prompt_tokens * self.prompt + completion_tokens * self.completion) / PER

    def as_json(self) -> dict:
        return {
            "currency": "USD",
            "prompt_per_1m_tokens": str(self.prompt),
            "completion_per_1m_tokens": str(self.completion),
        }


PRICES = {
    "sandbox-large": Price(Decimal("4.00"), Decimal("16.00"), "Large"),
    "sandbox-small": Price(Decimal("0.20"), Decimal("0.80"), "Compact"),
}


def cost(model: str, prompt_tokens: int, completion_tokens: int) -> Decimal:
    return PRICES[model].cost(prompt_tokens, completion_tokens)
