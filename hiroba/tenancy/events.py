from enum import StrEnum


class TenancyEvent(StrEnum):
    MUNICIPALITY_REGISTERED = "tenancy:municipality:registered"
    AREA_CREATED = "tenancy:area:created"
    AREA_JOINED = "tenancy:area:municipality-joined"
    STAFF_REGISTERED = "tenancy:staff:registered"
    ROLE_GRANTED = "tenancy:staff:role-granted"
    ROLE_ENDED = "tenancy:staff:role-ended"
