"""Sealed bid amounts: one ciphertext length for every amount, and tokens of earlier versions."""

from __future__ import annotations

import base64
import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.adapters.seal import PLAINTEXT_LIMIT, AesGcmSealer

KEY = bytes(range(32))
SEALER = AesGcmSealer(KEY)
# Sealed by the version before padding (commit 7843268) under KEY: a bid in an existing store.
UNPADDED_TOKEN = (
    "S3CfXPSYBv893cPskm5rIVmv0JnJpqkyffYVpGK6s4xcY4Drd3un12kfAlif_g8pMQt6qvtvhUrb3vMDTsUNGx4y"
    "PdpLW832vMvMlf5lasfdwmfiYt_nXT0udC0m0g=="
)


def bid_plaintext(amount: str) -> str:
    """What `submit_bid` seals: the amount and a 32-hex-digit nonce."""
    return json.dumps({"amount": amount, "nonce": "0f" * 16})


def test_every_amount_seals_to_the_same_length() -> None:
    amounts = ["0.01", "1", "12.5", "1005.83", "999999999", "999999999999999.99"]
    lengths = {len(SEALER.seal(bid_plaintext(a))) for a in amounts}
    assert len(lengths) == 1


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999999999999.99"), places=2))
def test_any_bid_amount_seals_to_one_length_and_back(amount: Decimal) -> None:
    plaintext = bid_plaintext(str(amount))
    token = SEALER.seal(plaintext)
    assert len(token) == len(SEALER.seal(bid_plaintext("0.01")))
    assert SEALER.unseal(token) == plaintext


def test_a_token_sealed_before_padding_still_unseals() -> None:
    assert json.loads(SEALER.unseal(UNPADDED_TOKEN)) == {"amount": "1005.83", "nonce": "0f" * 16}


def test_a_padded_token_cannot_pass_for_an_unpadded_one() -> None:
    """The format version is bound into the authenticated data: stripping it fails."""
    token = SEALER.seal(bid_plaintext("7"))
    with pytest.raises(ValueError, match="cannot be unsealed"):
        SEALER.unseal(token.split(".", 1)[1])


def test_a_plaintext_longer_than_the_padding_is_refused() -> None:
    assert SEALER.unseal(SEALER.seal("x" * PLAINTEXT_LIMIT)) == "x" * PLAINTEXT_LIMIT
    with pytest.raises(ValueError, match=f"at most {PLAINTEXT_LIMIT} bytes"):
        SEALER.seal("x" * (PLAINTEXT_LIMIT + 1))


def test_a_wrong_key_is_refused_clearly() -> None:
    other = AesGcmSealer(base64.urlsafe_b64decode(base64.urlsafe_b64encode(bytes(32))))
    with pytest.raises(ValueError, match="cannot be unsealed"):
        other.unseal(SEALER.seal(bid_plaintext("7")))
