"""Validates every Table Schema in a folder with frictionless (the Frictionless Data reference
implementation), and checks each foreign key names a table whose schema is in the folder.

Usage: python validate_table_schemas.py FOLDER
Prints one line per schema, "name ok" or "name invalid: <errors>", then exits 1 if any is invalid.
"""
import json
import pathlib
import sys

from frictionless import Schema


def main(folder: str) -> int:
    paths = sorted(pathlib.Path(folder).glob("*.schema.json"))
    tables = {path.name[: -len(".schema.json")] for path in paths}
    bad = 0
    for path in paths:
        descriptor = json.loads(path.read_text(encoding="utf-8"))
        report = Schema.validate_descriptor(descriptor)
        errors = [row[0] for row in report.flatten(["message"])] if not report.valid else []
        names = {field["name"] for field in descriptor.get("fields", [])}
        for key in descriptor.get("primaryKey", []):
            if key not in names:
                errors.append(f"primary key {key} is not a field")
        for key in descriptor.get("foreignKeys", []):
            if key["reference"]["resource"] not in tables:
                errors.append(f"foreign key to {key['reference']['resource']}, which has no schema here")
        name = path.name[: -len(".schema.json")]
        print(f"{name} ok" if not errors else f"{name} invalid: {'; '.join(map(str, errors))}")
        bad += bool(errors)
    print(f"{len(paths)} schemas, {bad} invalid")
    return 1 if bad or not paths else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
