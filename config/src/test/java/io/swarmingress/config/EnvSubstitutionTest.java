package io.swarmingress.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class EnvSubstitutionTest {
    private final Map<String, String> variables = new HashMap<>(Map.of(
            "HOST", "10.0.1.5",
            "PORT", "8080",
            "EMPTY", "",
            "LOOKS_LIKE_A_REFERENCE", "${PORT}"));
    private final EnvSubstitution substitution = new EnvSubstitution(variables::get);

    @Test
    void textWithoutReferencesIsReturnedAsItIs() {
        String raw = "10.0.1.5:8080 $HOST {PORT} $";
        assertThat(substitution.expand(raw)).isSameAs(raw);
    }

    @Test
    void everyReferenceIsReplacedAndTheTextAroundItKept() {
        assertThat(substitution.expand("${HOST}:${PORT}")).isEqualTo("10.0.1.5:8080");
        assertThat(substitution.expand("http://${HOST}/x/${PORT}/y")).isEqualTo("http://10.0.1.5/x/8080/y");
    }

    @Test
    void theDefaultAppliesOnlyWhenTheVariableIsUnsetOrEmpty() {
        assertThat(substitution.expand("${PORT:-9000}")).isEqualTo("8080");
        assertThat(substitution.expand("${UNSET:-9000}")).isEqualTo("9000");
        assertThat(substitution.expand("${EMPTY:-9000}")).isEqualTo("9000");
        assertThat(substitution.expand("${UNSET:-}")).isEmpty();
        assertThat(substitution.expand("${UNSET:-a:-b}")).isEqualTo("a:-b");
    }

    @Test
    void anUnsetOrEmptyVariableWithoutADefaultSaysHowToGiveOne() {
        assertThatThrownBy(() -> substitution.expand("${HOST}:${UNSET}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("environment variable UNSET is not set (write ${UNSET:-default} for a default)");
        assertThatThrownBy(() -> substitution.expand("${EMPTY}"))
                .hasMessage("environment variable EMPTY is not set (write ${EMPTY:-default} for a default)");
    }

    @Test
    void anUnclosedReferenceIsAnErrorNamingTheWholeValue() {
        assertThatThrownBy(() -> substitution.expand("${HOST}:${PORT"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'${HOST}:${PORT' has an unclosed ${");
    }

    @Test
    void aValueIsNotExpandedASecondTime() {
        assertThat(substitution.expand("${LOOKS_LIKE_A_REFERENCE}")).isEqualTo("${PORT}");
    }

    @Test
    void theEnvironmentIsReadAtEachExpansion() {
        assertThat(substitution.expand("${PORT}")).isEqualTo("8080");
        variables.put("PORT", "9090");
        assertThat(substitution.expand("${PORT}")).isEqualTo("9090");
    }
}
