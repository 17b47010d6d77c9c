"""Follow-up visits (回访) after a wish is fulfilled: who may record them (coordinators and the
visitors they appoint), the records themselves, the waiting list and the follow-up rate."""
