package io.swarmingress.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** The services as last read successfully, when reads overlap and services come and go. */
class ServiceCatalogueTest {
    private final ServiceCatalogue catalogue = new ServiceCatalogue();

    private static SwarmService service(String id, long replicas, long seq) {
        return new SwarmService(id, "name-" + id, Map.of(), replicas, false, List.of(), seq);
    }

    @Test
    void incompleteUntilTheFirstFullRead() {
        catalogue.applySome(Set.of("a"), Map.of("a", service("a", 1, 1)), 1);
        assertThat(catalogue.complete()).isFalse();
        catalogue.applyAll(List.of(service("a", 1, 2)), 2);
        assertThat(catalogue.complete()).isTrue();
    }

    @Test
    void theNewerReadOfAServiceWinsWhateverOrderTheyEndIn() {
        long older = catalogue.nextReadSeq();
        long newer = catalogue.nextReadSeq();
        catalogue.applySome(Set.of("a"), Map.of("a", service("a", 5, newer)), newer);
        catalogue.applyAll(List.of(service("a", 3, older), service("b", 1, older)), older);
        assertThat(catalogue.get("a").replicas()).isEqualTo(5);
        assertThat(catalogue.get("b")).isNotNull();
    }

    @Test
    void aServiceAbsentFromAFullReadIsRemovedUnlessReadSinceItBegan() {
        long first = catalogue.nextReadSeq();
        catalogue.applyAll(List.of(service("a", 1, first), service("b", 1, first), service("c", 1, first)), first);
        long full = catalogue.nextReadSeq();
        long some = catalogue.nextReadSeq();
        catalogue.applySome(Set.of("c"), Map.of("c", service("c", 2, some)), some); // created again, seen later
        catalogue.applyAll(List.of(service("a", 1, full)), full);
        assertThat(catalogue.ids()).containsExactlyInAnyOrder("a", "c");
    }

    @Test
    void aServiceAskedForAndNotFoundIsRemovedUnlessANewerReadSawIt() {
        catalogue.applyAll(List.of(service("a", 1, 5), service("b", 1, 9)), 5);
        catalogue.applySome(Set.of("a", "b"), Map.of(), 7);
        assertThat(catalogue.ids()).containsExactly("b");
    }

    @Test
    void servicesNotAskedForAreLeftAlone() {
        catalogue.applyAll(List.of(service("a", 1, 1), service("b", 1, 1)), 1);
        catalogue.applySome(Set.of("a"), Map.of("a", service("a", 4, 2)), 2);
        assertThat(catalogue.ids()).containsExactlyInAnyOrder("a", "b");
        assertThat(catalogue.matching(s -> s.replicas() == 4)).extracting(SwarmService::id).containsExactly("a");
    }
}
