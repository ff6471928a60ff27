import struct

import pytest

from osmose.core.geography import load_geography, point_from_wkb
from osmose.core.models import Commune, Departement


def test_point_from_wkb_reads_little_and_big_endian_points():
    little = (b"\x01" + struct.pack("<I", 1) + struct.pack("<dd", 1.5, 47.25)).hex()
    big = (b"\x00" + struct.pack(">I", 1) + struct.pack(">dd", -0.5, 45.0)).hex()
    ewkb = (
        b"\x01"
        + struct.pack("<I", 0x20000001)
        + struct.pack("<I", 4326)
        + struct.pack("<dd", 2.0, 48.0)
    ).hex()
    assert point_from_wkb(little) == (1.5, 47.25)
    assert point_from_wkb(big) == (-0.5, 45.0)
    assert point_from_wkb(ewkb) == (2.0, 48.0)
    assert point_from_wkb("\\N") is None


@pytest.mark.django_db
def test_it_loads_every_commune_of_centre_val_de_loire_once():
    counts = load_geography()
    assert counts["departements"] >= 101
    assert counts["communes"] > 34000
    tours = Commune.objects.get(insee_code="37261")
    assert tours.name == "Tours"
    assert "37000" in tours.postcodes
    assert tours.departement.region.code == "24"
    assert tours.latitude is not None and tours.longitude is not None
    assert 47.3 < tours.latitude < 47.5 and 0.6 < tours.longitude < 0.8
    assert set(Departement.objects.filter(region__code="24").values_list("code", flat=True)) == {
        "18",
        "28",
        "36",
        "37",
        "41",
        "45",
    }
    assert Commune.objects.get(insee_code="36018").name == "Le Blanc"
    again = load_geography()
    assert again == counts
