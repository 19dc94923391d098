from enum import StrEnum


class VotingEvent(StrEnum):
    """Audit tags of the voting app. Records hold references and trackers, never a credential secret or a vote."""

    ELECTION_CREATED = "voting:election:created"
    QUESTIONS_SET = "voting:election:questions-set"
    VOTERS_ENROLLED = "voting:voters:enrolled"
    TRUSTEE_INVITED = "voting:trustee:invited"
    TRUSTEE_REGISTERED = "voting:trustee:registered"
    CREDENTIALS_REGISTERED = "voting:credentials:registered"
    ELECTION_OPENED = "voting:election:opened"
    BALLOT_CAST = "voting:ballot:cast"
    ELECTION_CLOSED = "voting:election:closed"
    DECRYPTION_ADDED = "voting:decryption:added"
    RESULT_PUBLISHED = "voting:result:published"
    REFUSED = "voting:act:refused"  # any refused act, with its code, in a transaction of its own
