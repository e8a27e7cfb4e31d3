"""Reads an open-data package the way a user of a state portal would: validates it with
frictionless, then reads each resource's CSV with pandas, taking the declared missing values
(the suppression marker) as missing. Prints JSON: {"valid": bool, "errors": [...], "resources":
{name: [row, ...]}} with each row's cells as pandas read them (missing cells as null).

Usage: python read_open_data_package.py FOLDER
"""
import json
import pathlib
import sys

import frictionless
import pandas


def main(folder: str) -> int:
    root = pathlib.Path(folder)
    report = frictionless.validate(str(root / "datapackage.json"))
    errors = [row[0] for row in report.flatten(["message"])] if not report.valid else []
    package = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    resources = {}
    for resource in package["resources"]:
        schema = resource["schema"]
        frame = pandas.read_csv(root / resource["path"], na_values=schema["missingValues"], keep_default_na=False,
                                dtype={field["name"]: object for field in schema["fields"] if field["type"] == "string"})
        records = json.loads(frame.to_json(orient="records"))
        resources[resource["name"]] = records
    print(json.dumps({"valid": report.valid, "errors": errors, "resources": resources}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
