from enum import StrEnum


class SimulatorEvent(StrEnum):
    SANDBOX_CREATED = "simulator:sandbox:created"
    WALK_STARTED = "simulator:walk:started"
    STEP_DONE = "simulator:step:done"
    PIN_WRONG = "simulator:pin:wrong"
    PIN_LOCKED = "simulator:pin:locked"
    PIN_RESET = "simulator:pin:reset"
    WALK_COMPLETED = "simulator:walk:completed"
