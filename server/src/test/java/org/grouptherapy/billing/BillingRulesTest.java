package org.grouptherapy.billing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The payer rules file: defaults, overrides, and a clear start-up error for unknown codes. */
class BillingRulesTest {

  @Test
  void theBuiltInFileGivesEachPayerItsOverridesOnTopOfTheDefaults() {
    BillingRules rules = new BillingRules("classpath:billing/billing-rules.json");
    BillingRules.Payer medicaid = rules.forPayer("MCD25");
    assertThat(medicaid.groupModifiers()).containsExactly("HQ");
    assertThat(medicaid.telehealthModifiers()).containsExactly("95");
    assertThat(medicaid.placeOfService()).containsEntry("telehealth-home", "10");
    assertThat(medicaid.minimumMinutes()).isEqualTo(60);
    assertThat(medicaid.fee("90853")).isEqualByComparingTo("42.50");
    BillingRules.Payer bayview = rules.forPayer("BVM77");
    assertThat(bayview.placeOfService()).containsEntry("telehealth-home", "02");
    assertThat(bayview.telehealthModifiers()).containsExactly("GT");
    BillingRules.Payer unknown = rules.forPayer("SOMEONE");
    assertThat(unknown.groupCode()).isEqualTo("90853");
    assertThat(unknown.fee("90853")).isEqualByComparingTo("65.00");
  }

  @Test
  void anUnknownCodeStopsStartUpNamingThePayerAndTheCode() {
    assertThatThrownBy(() -> new BillingRules("classpath:billing/unknown-code-rules.json"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("payer ACME1: groupCode '90999' is not a known CPT code")
        .hasMessageContaining("unknown modifier 'ZZ'")
        .hasMessageContaining("unknown place of service '99'");
  }

  @Test
  void aMissingFileIsAClearStartUpError() {
    assertThatThrownBy(() -> new BillingRules("classpath:billing/nowhere.json"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("billing/nowhere.json cannot be read");
  }
}
