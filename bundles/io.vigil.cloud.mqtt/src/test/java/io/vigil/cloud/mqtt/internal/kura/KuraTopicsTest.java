package io.vigil.cloud.mqtt.internal.kura;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.vigil.cloud.mqtt.internal.kura.KuraTopics.ControlTopic;
import io.vigil.cloud.mqtt.internal.kura.KuraTopics.DataTopic;
import io.vigil.cloud.mqtt.internal.kura.KuraTopics.Lifecycle;
import io.vigil.cloud.mqtt.internal.kura.KuraTopics.LifecycleTopic;
import io.vigil.cloud.mqtt.internal.kura.KuraTopics.Method;
import io.vigil.cloud.mqtt.internal.kura.KuraTopics.ReplyTopic;

class KuraTopicsTest {

    @Test
    void buildsEveryKindOfTopic() {
        assertEquals("$EDC/acme/gw-7/DEPLOY-V2/EXEC/install",
                KuraTopics.control("acme", "gw-7", "DEPLOY-V2", Method.EXEC, "install"));
        assertEquals("$EDC/acme/gw-7/VIGIL-V1/GET/assets/pump-3/channels",
                KuraTopics.control("acme", "gw-7", "VIGIL-V1", Method.GET, "assets", "pump-3", "channels"));
        assertEquals("$EDC/acme/gw-7/VIGIL-V1/DEL", KuraTopics.control("acme", "gw-7", "VIGIL-V1", Method.DEL));
        assertEquals("$EDC/acme/console-1/VIGIL-V1/REPLY/1699999999-42",
                KuraTopics.reply("acme", "console-1", "VIGIL-V1", "1699999999-42"));
        assertEquals("acme/gw-7/VIGIL-V1/alerts/pump-3", KuraTopics.data("acme", "gw-7", "VIGIL-V1", "alerts", "pump-3"));
        assertEquals("$EDC/acme/gw-7/MQTT/BIRTH", KuraTopics.lifecycle("acme", "gw-7", Lifecycle.BIRTH));
        assertEquals("$EDC/acme/gw-7/MQTT/DC", KuraTopics.lifecycle("acme", "gw-7", Lifecycle.DC));
        assertEquals("$EDC/acme/gw-7/MQTT/APPS", KuraTopics.lifecycle("acme", "gw-7", Lifecycle.APPS));
        assertEquals("$EDC/acme/gw-7/MQTT/LWT", KuraTopics.lifecycle("acme", "gw-7", Lifecycle.LWT));
        assertEquals("$EDC/acme/gw-7/+/+/#", KuraTopics.requestSubscription("acme", "gw-7"));
    }

    @Test
    void parsesEveryMethod() {
        for (Method m : Method.values()) {
            ControlTopic t = KuraTopics.parseControl("$EDC/acme/gw-7/VIGIL-V1/" + m + "/shadow/bearing/promote");
            assertEquals(new ControlTopic("acme", "gw-7", "VIGIL-V1", m, List.of("shadow", "bearing", "promote")), t);
            assertEquals("shadow/bearing/promote", t.resource());
        }
    }

    @Test
    void requestWithoutResourceParsesSoTheAppCanAnswer404() {
        ControlTopic t = KuraTopics.parseControl("$EDC/acme/gw-7/VIGIL-V1/GET");
        assertEquals(List.of(), t.resources());
        assertEquals("", t.resource());
    }

    @Test
    void genericParseTellsTheKindsApart() {
        assertEquals(new ControlTopic("a", "c", "APP", Method.PUT, List.of("x")), KuraTopics.parse("$EDC/a/c/APP/PUT/x"));
        assertEquals(new ReplyTopic("a", "req", "APP", "17"), KuraTopics.parse("$EDC/a/req/APP/REPLY/17"));
        assertEquals(new LifecycleTopic("a", "c", Lifecycle.LWT), KuraTopics.parse("$EDC/a/c/MQTT/LWT"));
        assertEquals(new DataTopic("a", "c", "APP", List.of("m", "n")), KuraTopics.parse("a/c/APP/m/n"));
    }

    @Test
    void builtTopicsParseBackToTheSameValue() {
        List<KuraTopics.KuraTopic> topics = List.of(
                new ControlTopic("acme", "gw-7", "VIGIL-V1", Method.POST, List.of("review", "ack")),
                new ControlTopic("acme", "gw-7", "VIGIL-V1", Method.GET, List.of()),
                new ReplyTopic("acme", "console", "VIGIL-V1", "abc-1"),
                new DataTopic("acme", "gw-7", "VIGIL-V1", List.of("metrics", "pump-3")),
                new LifecycleTopic("acme", "gw-7", Lifecycle.APPS));
        for (KuraTopics.KuraTopic t : topics) {
            assertEquals(t, KuraTopics.parse(t.topic()));
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            // topic | expected part of the message
            "acme/gw/APP/GET/x | it starts with 'acme' where control topics start with $EDC",
            "$SYS/acme/gw/APP/GET/x | it starts with '$SYS'",
            "$edc/acme/gw/APP/GET/x | it starts with '$edc'",
            "$EDC/acme/gw/APP | has 4 segment(s)",
            "$EDC | has 1 segment(s)",
            "$EDC/acme/gw/APP/FETCH/x | unknown method 'FETCH' (expected GET, PUT, POST, DEL or EXEC)",
            "$EDC/acme/gw/APP/get/x | unknown method 'get'",
            "$EDC/acme/gw/APP/REPLY/17 | it is a reply topic, not a request",
            "$EDC//gw/APP/GET/x | segment 2 is empty",
            "$EDC/acme/gw/APP/GET/x/ | segment 7 is empty",
            "$EDC/acme/gw/APP/GET//x | segment 6 is empty",
            "$EDC/acme/+/APP/GET/x | segment 3 '+' contains the MQTT wildcard '+'",
            "$EDC/acme/gw/APP/GET/# | segment 6 '#' contains the MQTT wildcard '#'",
            "$EDC/acme/g#w/APP/GET/x | segment 3 'g#w' contains the MQTT wildcard '#'",
            "$EDC/acme/gw/MQTT/GET/x | app id MQTT is reserved for lifecycle messages",
    })
    void rejectsMalformedRequestTopics(String topic, String expected) {
        MalformedTopicException e = assertThrows(MalformedTopicException.class, () -> KuraTopics.parseControl(topic));
        assertTrue(e.getMessage().contains("'" + topic + "'"), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "$EDC/acme/req/APP/REPLY | has 5 segment(s)",
            "$EDC/acme/req/APP/REPLY/1/2 | has 7 segment(s)",
            "$EDC/acme/req/APP/REPLY/ | segment 6 is empty",
            "$EDC/acme/req/APP/ANSWER/1 | segment 5 is 'ANSWER' where a reply topic has REPLY",
            "$EDC/acme/req/APP/REPLY/+ | contains the MQTT wildcard '+'",
            "EDC/acme/req/APP/REPLY/1 | it starts with 'EDC'",
    })
    void rejectsMalformedReplyTopics(String topic, String expected) {
        MalformedTopicException e = assertThrows(MalformedTopicException.class, () -> KuraTopics.parseReply(topic));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "$EDC/acme/gw/MQTT | has 4 segment(s)",
            "$EDC/acme/gw/MQTT/BIRTH/x | has 6 segment(s)",
            "$EDC/acme/gw/MQTT/DEATH | unknown lifecycle message 'DEATH' (expected BIRTH, DC, APPS or LWT)",
            "$EDC/acme/gw/APP/BIRTH | segment 4 is 'APP' where a lifecycle topic has MQTT",
            "$EDC/acme/#/MQTT/BIRTH | contains the MQTT wildcard '#'",
    })
    void rejectsMalformedLifecycleTopics(String topic, String expected) {
        MalformedTopicException e = assertThrows(MalformedTopicException.class,
                () -> KuraTopics.parseLifecycle(topic));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "$EDC/acme/gw/APP/x | must not start with '$'",
            "acme/gw/APP | has 3 segment(s)",
            "acme/gw//x | segment 3 is empty",
            "acme/gw/APP/+/x | contains the MQTT wildcard '+'",
            "acme/gw/MQTT/x | app id MQTT is reserved",
    })
    void rejectsMalformedDataTopics(String topic, String expected) {
        MalformedTopicException e = assertThrows(MalformedTopicException.class, () -> KuraTopics.parseData(topic));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void genericParseRejectsMalformedTopicsToo() {
        assertThrows(MalformedTopicException.class, () -> KuraTopics.parse(""));
        assertThrows(MalformedTopicException.class, () -> KuraTopics.parse("$EDC/a/c/MQTT/GET/x"));
        assertThrows(MalformedTopicException.class, () -> KuraTopics.parse("$EDC/a/c/MQTT/HELLO"));
        assertThrows(MalformedTopicException.class, () -> KuraTopics.parse("$EDC/a/c/APP/REPLY"));
        assertThrows(MalformedTopicException.class, () -> KuraTopics.parse("a/b"));
    }

    @Test
    void buildersRejectBadIds() {
        assertBuilderRejects("client id '+' contains the MQTT wildcard '+'",
                () -> KuraTopics.control("acme", "+", "APP", Method.GET, "x"));
        assertBuilderRejects("account 'a#' contains the MQTT wildcard '#'",
                () -> KuraTopics.data("a#", "gw", "APP", "x"));
        assertBuilderRejects("request id '1/2' contains '/'", () -> KuraTopics.reply("acme", "req", "APP", "1/2"));
        assertBuilderRejects("request id is empty", () -> KuraTopics.reply("acme", "req", "APP", ""));
        assertBuilderRejects("resource segment 2 is empty",
                () -> KuraTopics.control("acme", "gw", "APP", Method.GET, "a", ""));
        assertBuilderRejects("resource segment 1 'a/b' contains '/'",
                () -> KuraTopics.data("acme", "gw", "APP", "a/b"));
        assertBuilderRejects("account '$SYS' starts with '$'", () -> KuraTopics.data("$SYS", "gw", "APP", "x"));
        assertBuilderRejects("at least one resource segment", () -> KuraTopics.data("acme", "gw", "APP"));
        assertBuilderRejects("app id MQTT is reserved", () -> KuraTopics.control("acme", "gw", "MQTT", Method.GET));
        assertBuilderRejects("contains NUL", () -> KuraTopics.lifecycle("acme", "g\0w", Lifecycle.BIRTH));
        assertBuilderRejects("exceeds MQTT's limit of 65535 bytes",
                () -> KuraTopics.data("acme", "gw", "APP", "x".repeat(70_000)));
        assertThrows(NullPointerException.class, () -> KuraTopics.control("acme", null, "APP", Method.GET));
    }

    private static void assertBuilderRejects(String expected, org.junit.jupiter.api.function.Executable call) {
        MalformedTopicException e = assertThrows(MalformedTopicException.class, call);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
