"""The domain speaks the bus contract's vocabulary: shared enums are the same objects, and the
one enum that differs (ApplicationSource: MANUAL never travels) maps both ways without loss."""

from __future__ import annotations

import dataclasses

import pytest

from api.domain import enums
from api.domain.models import PartnerServer
from api.services.effects import wire_partner
from bus.contracts import common as wire


def test_shared_enums_are_the_bus_contracts_own():
    assert enums.ApplicationMode is wire.ApplicationMode
    assert enums.ChannelMode is wire.ChannelMode
    assert enums.JoinType is wire.JoinType


@pytest.mark.parametrize("source", list(wire.ApplicationSource))
def test_every_wire_source_maps_to_a_domain_source_and_back(source):
    assert enums.source_to_wire(enums.source_from_wire(source)) is source


def test_every_domain_source_but_manual_travels():
    travelling = {s for s in enums.ApplicationSource if s is not enums.ApplicationSource.MANUAL}
    assert {enums.source_from_wire(s) for s in wire.ApplicationSource} == travelling
    with pytest.raises(ValueError):
        enums.source_to_wire(enums.ApplicationSource.MANUAL)


def test_the_domain_partner_server_carries_every_field_of_the_wire_one_unchanged():
    assert [f.name for f in dataclasses.fields(PartnerServer)] == list(wire.PartnerServer.model_fields)
    partner = PartnerServer(1234500000000000000, "Chess", "https://cdn/icon.png", 120, "chess")
    sent = wire_partner(partner)
    assert sent.model_dump() == {**dataclasses.asdict(partner), "id": "1234500000000000000"}
