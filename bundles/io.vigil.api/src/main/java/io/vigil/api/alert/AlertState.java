package io.vigil.api.alert;

/** Whether an alert is starting or ending. */
public enum AlertState {
    RAISED, CLEARED
}
