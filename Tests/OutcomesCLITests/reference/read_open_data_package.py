"""Reads an open-data package the way a user of a state portal would: validates it with
frictionless, then reads each resource's CSV with pandas, taking the declared missing values
(the suppression marker) as missing, and validates its data.json against the DCAT-US 1.1 JSON
Schema a state portal's harvester uses (vendored in ../fixtures/dcat-us-1.1, see SOURCE.md there),
with every dataset field the open-data issue names required on top. Prints JSON: {"valid": bool,
"errors": [...], "dcat_valid": bool, "dcat_errors": [...], "resources": {name: [row, ...]}} with
each row's cells as pandas read them (missing cells as null).

Usage: python read_open_data_package.py FOLDER
"""
import json
import math
import pathlib
import sys

import frictionless
import jsonschema
import pandas
import referencing
import referencing.jsonschema

DCAT = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "dcat-us-1.1"
# Optional in the non-federal schema, required of every dataset outcomes publishes.
REQUIRED = ["title", "description", "keyword", "modified", "publisher", "contactPoint", "identifier", "accessLevel", "license",
            "spatial", "temporal", "accrualPeriodicity", "distribution", "describedBy"]


def dcat_errors(catalog) -> list:
    """Every way `catalog` breaks the vendored schema (or leaves out a required dataset field)."""
    # The dataset schema, under the address the catalog's relative $ref resolves to (never fetched).
    schema = json.loads((DCAT / "catalog.json").read_text(encoding="utf-8"))
    dataset = json.loads((DCAT / "dataset-non-federal.json").read_text(encoding="utf-8"))
    address = schema["id"].rsplit("/", 1)[0] + "/dataset-non-federal.json"
    registry = referencing.Registry().with_resource(address, referencing.Resource(dataset, referencing.jsonschema.DRAFT4))
    checker = jsonschema.FormatChecker()
    # Without rfc3986-validator, jsonschema takes any text for a URI: refuse to vouch for the catalog then.
    if checker.conforms("not a uri", "uri"):
        return ["the uri format is not checked: install rfc3986-validator (Tests/reference-requirements.txt)"]
    validator = jsonschema.Draft4Validator(schema, registry=registry, format_checker=checker)
    errors = [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(catalog)]
    for index, dataset in enumerate(catalog.get("dataset", [])):
        errors += [f"dataset/{index}: '{field}' is missing" for field in REQUIRED if field not in dataset]
    return errors


def plain(value):
    """A pandas cell as JSON takes it: numpy scalars as Python numbers, NaN (missing) as None."""
    value = value.item() if hasattr(value, "item") else value
    return None if isinstance(value, float) and math.isnan(value) else value


def main(folder: str) -> int:
    root = pathlib.Path(folder)
    report = frictionless.validate(str(root / "datapackage.json"))
    errors = [row[0] for row in report.flatten(["message"])] if not report.valid else []
    package = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    resources = {}
    for resource in package["resources"]:
        schema = resource["schema"]
        frame = pandas.read_csv(root / resource["path"], na_values=schema["missingValues"], keep_default_na=False, float_precision="round_trip",
                                dtype={field["name"]: object for field in schema["fields"] if field["type"] == "string"})
        # As Python numbers (exact, unlike to_json's 10 digits), a missing cell as None.
        records = [{name: plain(value) for name, value in row.items()} for row in frame.to_dict(orient="records")]
        resources[resource["name"]] = records
    catalog = dcat_errors(json.loads((root / "data.json").read_text(encoding="utf-8")))
    print(json.dumps({"valid": report.valid, "errors": errors, "dcat_valid": not catalog, "dcat_errors": catalog, "resources": resources}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
