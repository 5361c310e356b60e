package io.vigil.shadow.internal;

/** Who promotes a candidate the gate found READY. */
public enum Promotion {
    AUTOMATIC, OPERATOR
}
