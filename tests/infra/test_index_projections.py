"""The deployed tables' indexes project what ``alpr/schema.py`` says (the local stack creates them from the same
declarations): ALL, INCLUDE with the index's attributes, or KEYS_ONLY (issue 13, finding 14: eleven ALL indexes
on the reads table stored and wrote every read twelve times)."""

from __future__ import annotations

from typing import Any

from alpr import schema


def test_every_index_of_every_table_projects_what_the_schema_declares(template: Any) -> None:
    tables = {
        t["Properties"]["TableName"]: t["Properties"] for t in template.find_resources("AWS::DynamoDB::Table").values()
    }
    checked = 0
    for table in schema.TABLES:
        deployed = {
            i["IndexName"]: i["Projection"]
            for i in tables[table.physical_name("alpr")].get("GlobalSecondaryIndexes", [])
        }
        assert set(deployed) == {i.name for i in table.indexes}, table.logical_name
        for index in table.indexes:
            projection = deployed[index.name]
            included = index.non_key_attributes(table.key_names())
            if index.projects_all:
                assert projection == {"ProjectionType": "ALL"}, index.name
            elif included:
                assert projection["ProjectionType"] == "INCLUDE", index.name
                assert sorted(projection["NonKeyAttributes"]) == sorted(included), index.name
            else:
                assert projection == {"ProjectionType": "KEYS_ONLY"}, index.name
            checked += 1
    assert checked >= 11


def test_the_reads_table_keeps_whole_copies_only_where_callers_parse_whole_reads(template: Any) -> None:
    whole = {i.name for i in schema.READS.indexes if i.projects_all}
    assert whole == {"by_plate", "by_camera", "by_frame", "by_hold"}
