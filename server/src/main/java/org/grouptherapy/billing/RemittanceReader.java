package org.grouptherapy.billing;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.grouptherapy.kernel.InvalidParameter;

/**
 * Reads an X12 835 remittance advice (005010X221A1) with StAEDI into what each claim was paid: the
 * payment (BPR amount and date, TRN trace number, payer N1*PR), and per claim (CLP) its status,
 * charge, payment, patient responsibility and the payer's claim number, with the adjustments (CAS:
 * group, CARC reason, amount) and remark codes (LQ*HE, RARC) of the claim and its service lines. A
 * file that is not an 835 or not well formed is refused (400) with StAEDI's words.
 */
final class RemittanceReader {

  private static final DateTimeFormatter D8 = DateTimeFormatter.BASIC_ISO_DATE;

  /** One adjustment: group code (CO, PR, OA, PI, CR), CARC reason code, amount. */
  record Adjustment(String group, String reason, BigDecimal amount) {}

  /** What the payer did with one claim. */
  record ClaimPayment(
      String claimId,
      String status,
      BigDecimal charged,
      BigDecimal paid,
      BigDecimal patientResponsibility,
      String payerClaimNumber,
      List<Adjustment> adjustments,
      List<String> remarks) {

    /** CLP02 4: denied. */
    boolean denied() {
      return "4".equals(status);
    }

    /** CLP02 22: a reversal of an earlier payment. */
    boolean reversal() {
      return "22".equals(status);
    }
  }

  /** A whole remittance: the payment and each claim it covers. */
  record Remittance(
      String trace, LocalDate paidOn, BigDecimal total, String payer, List<ClaimPayment> claims) {}

  private RemittanceReader() {}

  static Remittance read(String x12) {
    List<List<String>> segments = X12Segments.read(x12, "remittance", "835");
    if (!X12Segments.holds(segments, "835")) {
      throw InvalidParameter.malformed(
          "remittance", "This is not an 835 remittance advice (no ST*835 transaction set)");
    }
    String trace = null;
    LocalDate paidOn = null;
    BigDecimal total = BigDecimal.ZERO;
    String payer = null;
    List<ClaimPayment> claims = new ArrayList<>();
    Builder current = null;
    for (List<String> s : segments) {
      switch (s.get(0)) {
        case "BPR" -> {
          total = amount(element(s, 2));
          String date = element(s, 16);
          paidOn = date.isEmpty() ? null : LocalDate.parse(date, D8);
        }
        case "TRN" -> trace = element(s, 2);
        case "N1" -> {
          if ("PR".equals(element(s, 1))) {
            payer = element(s, 2);
          }
        }
        case "CLP" -> {
          if (current != null) {
            claims.add(current.build());
          }
          current = new Builder(s);
        }
        case "CAS" -> {
          if (current != null) {
            current.adjustments(s);
          }
        }
        case "LQ" -> {
          if (current != null && "HE".equals(element(s, 1))) {
            current.remarks.add(element(s, 2));
          }
        }
        case "MOA", "MIA" -> {
          if (current != null) {
            // Claim-level remark codes (MOA03-07).
            for (int i = 3; i < s.size(); i++) {
              if (element(s, i).matches("[A-Z]{1,2}[0-9]+")) {
                current.remarks.add(element(s, i));
              }
            }
          }
        }
        case "SE" -> {
          if (current != null) {
            claims.add(current.build());
            current = null;
          }
        }
        default -> {}
      }
    }
    return new Remittance(trace, paidOn, total, payer, List.copyOf(claims));
  }

  private static final class Builder {
    final List<String> clp;
    final List<Adjustment> adjustments = new ArrayList<>();
    final List<String> remarks = new ArrayList<>();

    Builder(List<String> clp) {
      this.clp = clp;
    }

    /** CAS: a group code, then up to six reason, amount (, quantity) triples. */
    void adjustments(List<String> cas) {
      String group = element(cas, 1);
      for (int i = 2; i + 1 < cas.size() + 1; i += 3) {
        String reason = element(cas, i);
        if (reason.isEmpty()) {
          continue;
        }
        adjustments.add(new Adjustment(group, reason, amount(element(cas, i + 1))));
      }
    }

    ClaimPayment build() {
      return new ClaimPayment(
          element(clp, 1),
          element(clp, 2),
          amount(element(clp, 3)),
          amount(element(clp, 4)),
          amount(element(clp, 5)),
          element(clp, 7),
          List.copyOf(adjustments),
          List.copyOf(remarks));
    }
  }

  private static String element(List<String> segment, int index) {
    return X12Segments.element(segment, index);
  }

  private static BigDecimal amount(String value) {
    try {
      return value.isEmpty() ? BigDecimal.ZERO : new BigDecimal(value);
    } catch (NumberFormatException e) {
      throw InvalidParameter.malformed("remittance", "'" + value + "' is not an amount");
    }
  }

  /** Claim adjustment reason codes (CARC) a practice meets most, in words. */
  static final Map<String, String> CARC =
      Map.ofEntries(
          Map.entry("1", "deductible amount"),
          Map.entry("2", "coinsurance amount"),
          Map.entry("3", "co-payment amount"),
          Map.entry("16", "claim lacks information needed for adjudication"),
          Map.entry("18", "exact duplicate claim or service"),
          Map.entry("22", "this care may be covered by another payer (coordination of benefits)"),
          Map.entry("27", "expenses incurred after coverage terminated"),
          Map.entry("29", "the time limit for filing has expired"),
          Map.entry("45", "charge exceeds the fee schedule or maximum allowable amount"),
          Map.entry("50", "not deemed a medical necessity by the payer"),
          Map.entry("96", "non-covered charge"),
          Map.entry("97", "included in the payment for another service (bundled)"),
          Map.entry("109", "not covered by this payer: send to the correct payer"),
          Map.entry("119", "benefit maximum for this period has been reached"),
          Map.entry("151", "the number of services is more than the payer allows"),
          Map.entry("185", "the rendering provider is not eligible to perform the service billed"),
          Map.entry("197", "precertification or authorization absent"),
          Map.entry("204", "not covered under the patient's current benefit plan"),
          Map.entry("242", "services not provided by network providers"));

  /** Remittance advice remark codes (RARC) a practice meets most, in words. */
  static final Map<String, String> RARC =
      Map.ofEntries(
          Map.entry("N290", "missing or invalid rendering provider identifier"),
          Map.entry("N130", "consult plan benefit documents for coverage"),
          Map.entry("M15", "separately billed services have been bundled"),
          Map.entry(
              "MA130", "the claim has incomplete or invalid information: correct and resubmit"),
          Map.entry("N386", "this decision follows a National Coverage Determination"),
          Map.entry("M86", "service denied because payment already made for a similar procedure"));

  /** "CO-50: not deemed a medical necessity by the payer". */
  static String words(Adjustment adjustment) {
    return adjustment.group()
        + "-"
        + adjustment.reason()
        + ": "
        + CARC.getOrDefault(adjustment.reason(), "adjustment reason " + adjustment.reason());
  }

  static String remarkWords(String code) {
    return code + ": " + RARC.getOrDefault(code, "remark " + code);
  }
}
