"""The deployed platform, composed from one construct per concern; built from the same definitions
(``alpr.schema``) as the local stack. Nothing here but composition: each feature holds its own wiring and the
grants of the functions it owns."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import Construct

from alpr import schema
from infra.core.data import DataPlane
from infra.core.functions import Functions
from infra.features.administration import Administration
from infra.features.audits import Audits
from infra.features.cameras import CameraHealth
from infra.features.hotlists import Hotlists
from infra.features.ingest import Ingest
from infra.features.matching import Matching
from infra.features.reading import Reading
from infra.features.retention import Retention
from infra.features.sharing import Sharing
from infra.features.staff import STAFF_ROUTES, StaffAccess
from infra.guardrails import Guardrails


class AlprStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, prefix: str = "alpr", **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.data = data = DataPlane(self, "Data", prefix=prefix)
        self.functions = functions = Functions(self, "Functions", data=data)
        fn = functions.of
        Reading(self, "Reading", data=data, ocr=fn(schema.OCR_FUNCTION))
        ingest = Ingest(
            self,
            "Ingest",
            data=data,
            ingest=fn(schema.INGEST_FUNCTION),
            ingest_uploads=fn(schema.INGEST_UPLOADS_FUNCTION),
        )
        CameraHealth(self, "CameraHealth", data=data, check=fn(schema.CAMERA_HEALTH_FUNCTION))
        Matching(self, "Matching", data=data, match=fn(schema.MATCH_FUNCTION))
        Hotlists(
            self,
            "Hotlists",
            data=data,
            importer=fn(schema.HOTLIST_IMPORT_FUNCTION),
            api=fn(schema.HOTLIST_API_FUNCTION),
            search=fn(schema.HOTLIST_SEARCH_FUNCTION),
        )
        Retention(
            self,
            "Retention",
            data=data,
            purge=fn(schema.PURGE_FUNCTION),
            purge_name=functions.physical_name(schema.PURGE_FUNCTION),
            retention_api=fn(schema.RETENTION_API_FUNCTION),
        )
        self.sharing = Sharing(
            self,
            "Sharing",
            data=data,
            share=fn(schema.SHARE_FUNCTION),
            deliver=fn(schema.NCRIC_DELIVER_FUNCTION),
        )
        staff = StaffAccess(
            self,
            "Staff",
            data=data,
            search=fn(schema.SEARCH_FUNCTION),
            share=fn(schema.SHARE_FUNCTION),
            routes=[(fn(spec), paths) for spec, paths in STAFF_ROUTES],
        )
        functions.provide(staff.settings)
        Audits(
            self,
            "Audits",
            data=data,
            audit_api=fn(schema.AUDIT_API_FUNCTION),
            transparency=fn(schema.TRANSPARENCY_FUNCTION),
            public_api=ingest.api,
            sealer=fn(schema.ACCESS_SEALER_FUNCTION),
        )
        Administration(
            self, "Administration", data=data, admin_api=fn(schema.ADMIN_API_FUNCTION), user_pool=staff.user_pool
        )
        # Last: it covers every bucket, table, function and API stage created above.
        Guardrails(self, "Guardrails", data=data, ocr=fn(schema.OCR_FUNCTION), purge=fn(schema.PURGE_FUNCTION))
