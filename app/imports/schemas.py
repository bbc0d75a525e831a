"""Request and response schemas of the import endpoint."""
from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, validate
from werkzeug.datastructures import FileStorage

from app.core.fields import Id
from app.imports.coords import CRS_NAMES
from app.imports.readers import FORMATS


def _is_upload(value):
    """A text form field named `file` is not a file."""
    if not isinstance(value, FileStorage):
        raise ValidationError("应上传文件 Must be an uploaded file")


class ImportRequestSchema(Schema):
    """One multipart/form-data body: the file and the fields that describe it."""

    file = Upload(required=True, validate=_is_upload,
                  metadata={"description": "CSV, GeoJSON or GeoPackage file"})
    format = fields.String(
        validate=validate.OneOf(FORMATS),
        metadata={"description": "csv, geojson or gpkg; taken from the file name when omitted"},
    )
    crs = fields.String(
        load_default="wgs84",
        validate=validate.OneOf(tuple(CRS_NAMES)),
        metadata={"description": "Coordinate system of the file: wgs84 (GPS), gcj02 "
                                 "(Amap/Tencent), bd09 (Baidu); stored as WGS-84"},
    )
    bank_id = Id(
        required=True,
        metadata={"description": "The bank (or branch, outlet) the points belong to"},
    )
    dry_run = fields.Boolean(
        load_default=False,
        metadata={"description": "Only check every row: the same answers, nothing imported"},
    )


class ImportResultSchema(Schema):
    imported = fields.Integer(required=True, metadata={"description": "Service points created"})
    terminals = fields.Integer(required=True, metadata={"description": "Terminals created"})
    bank_id = fields.Integer(required=True)
    point_ids = fields.List(fields.Integer(), required=True)
    audit_event_id = fields.Integer(required=True, allow_none=True, metadata={"description": "None on a dry run"})
    checked = fields.Integer(metadata={"description": "Rows checked and found good"})
    dry_run = fields.Boolean()
    file_name = fields.String(required=True)
    format = fields.String(required=True)
    crs = fields.String(required=True)
