"""Coverage query arguments and responses."""
from marshmallow import Schema, fields, validate

from app.core.fields import RegionPrefix, Timestamp
from app.core.paging import PageArgsSchema, page_schema
from app.coverage.services import MAX_K, STATUSES

def _region():
    return RegionPrefix(metadata={"description": "Region code or prefix (1505 or 150500: Tongliao; "
                                                "empty: national)", "example": "1505"})


class SettingsArgsSchema(Schema):
    # Bounded: a distance of thousands of kilometres would only make every village covered.
    distance_m = fields.Integer(validate=validate.Range(min=100, max=50_000), metadata={
        "description": "Coverage distance in metres (default: the configured one)"})
    dormant_days = fields.Integer(validate=validate.Range(min=1, max=3650), metadata={
        "description": "Days without business that make a point dormant"})
    visit_days = fields.Integer(validate=validate.Range(min=1, max=365), metadata={
        "description": "A village visited by a grid worker or mobile team within this many "
                       "days, with no point in reach, is served by visits (visits_only)"})


class FiguresArgsSchema(SettingsArgsSchema):
    region = _region()


class VillageArgsSchema(PageArgsSchema, SettingsArgsSchema):
    region = _region()
    status = fields.String(validate=validate.OneOf(STATUSES))


class DormantArgsSchema(PageArgsSchema, SettingsArgsSchema):
    region = _region()


class SuggestionArgsSchema(SettingsArgsSchema):
    region = _region()
    k = fields.Integer(load_default=5, validate=validate.Range(min=1, max=MAX_K, error=f"1-{MAX_K}"))


class StatusCountsSchema(Schema):
    in_village = fields.Integer()
    within_distance = fields.Integer()
    visits_only = fields.Integer()
    uncovered = fields.Integer()


class FiguresSchema(Schema):
    code = fields.String()
    name = fields.String(allow_none=True)
    level = fields.String()
    points = fields.Integer(metadata={"description": "Active points you may see"})
    dormant_points = fields.Integer()
    villages = fields.Integer()
    covered_villages = fields.Integer(metadata={"description": "A point inside or within the distance (any bank)"})
    coverage_rate = fields.Float(allow_none=True)
    points_per_village = fields.Float(allow_none=True)
    population = fields.Integer()
    covered_population = fields.Integer()
    by_status = fields.Nested(StatusCountsSchema)


class BankFiguresSchema(Schema):
    bank_id = fields.Integer()
    name = fields.String(allow_none=True)
    points = fields.Integer()
    villages_with_points = fields.Integer()
    dormant_points = fields.Integer()


class RegionFiguresSchema(FiguresSchema):
    region = fields.String()
    bbox = fields.List(fields.Float(), allow_none=True, metadata={
        "description": "[west, south, east, north] of the region's villages in your scope (null: none)"})
    distance_m = fields.Integer()
    dormant_days = fields.Integer()
    children = fields.List(fields.Nested(FiguresSchema))
    banks = fields.List(fields.Nested(BankFiguresSchema))


class PointRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class VillageCoverageSchema(Schema):
    code = fields.String()
    name = fields.String()
    county_code = fields.String(allow_none=True)
    population = fields.Integer(allow_none=True)
    status = fields.String(metadata={"enum": list(STATUSES)})
    points_inside = fields.Integer(metadata={"description": "Active points inside (any bank)"})
    points = fields.List(fields.Nested(PointRefSchema), metadata={"description": "Those you may see"})
    nearest_point_id = fields.Integer(allow_none=True)
    nearest_point_name = fields.String(allow_none=True)
    nearest_m = fields.Float(allow_none=True)
    grid_worker = fields.Nested(PointRefSchema, allow_none=True)
    last_visit_at = Timestamp(allow_none=True, metadata={
        "description": "When a grid worker or a mobile team last visited"})


VillageCoveragePageSchema = page_schema("VillageCoveragePage", VillageCoverageSchema)


class DormantPointSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    village_code = fields.String()
    bank_id = fields.Integer()
    last_business_day = fields.Date(allow_none=True)
    opened_on = fields.Date(allow_none=True)


DormantPageSchema = page_schema("DormantPointPage", DormantPointSchema)


class CoveredVillageSchema(Schema):
    code = fields.String()
    name = fields.String(allow_none=True)
    population = fields.Integer()
    distance_m = fields.Integer()


class SuggestionSchema(Schema):
    village_code = fields.String()
    village_name = fields.String()
    lon = fields.Float()
    lat = fields.Float()
    newly_covered_population = fields.Integer()
    newly_covered_villages = fields.List(fields.Nested(CoveredVillageSchema))
    reason = fields.String()


class SuggestionsSchema(Schema):
    region = fields.String()
    name = fields.String()
    distance_m = fields.Integer()
    k = fields.Integer()
    items = fields.List(fields.Nested(SuggestionSchema))
