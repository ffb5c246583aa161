package org.grouptherapy.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;

class ReferencesTest {

  @Test
  void referencesCompareWithoutBaseOrVersion() {
    assertThat(References.of(new Reference("http://example.org/fhir/Patient/7/_history/3")))
        .isEqualTo("Patient/7");
    assertThat(References.of(new Reference("#contained"))).isNull();
    assertThat(References.isOf("Patient/7", "Patient")).isTrue();
    assertThat(References.isOf("PatientX/7", "Patient")).isFalse();
  }

  @Test
  void idsOrderNumbersByValueThenClientAssignedIdsByText() {
    List<String> ids =
        new ArrayList<>(
            List.of("Patient/patient-b", "Patient/10", "Patient/9", "Patient/patient-a"));
    ids.sort(References.BY_ID);
    assertThat(ids)
        .containsExactly("Patient/9", "Patient/10", "Patient/patient-a", "Patient/patient-b");
  }
}
