package io.vigil.rest.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class JsonErrorTest {

    @Test
    void quotesWhatJsonRequires() {
        assertEquals("\"a \\\"b\\\" \\\\ c\\nd\\u0001\"", JsonError.quote("a \"b\" \\ c\nd\u0001"));
    }

    @Test
    void keepsOtherCharacters() {
        assertEquals("\"pässword / ok\"", JsonError.quote("pässword / ok"));
    }
}
