package org.grouptherapy.billing;

import static org.grouptherapy.billing.X12Segments.component;
import static org.grouptherapy.billing.X12Segments.element;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.grouptherapy.kernel.InvalidParameter;

/**
 * Reads what a clearinghouse or payer says back about an 837 before any payment: a 999
 * implementation acknowledgement (005010X231A1: did the file pass the guide's rules; per
 * transaction set IK5, per functional group AK9, with the segment and element errors of IK3/IK4),
 * or a 277CA claim acknowledgement (005010X214: per claim, found by its patient control number in
 * TRN*2, accepted into adjudication or rejected, with the STC status codes). The 999 names the
 * 837's functional group by its control number (AK102); the 277CA names each claim.
 */
final class AcknowledgementReader {

  /** What a 999 says of one 837 functional group (its GS06). */
  record FileAck(String groupControlNumber, boolean accepted, String words) {}

  /** What a 277CA says of one claim (CLM01, its member-session identifier). */
  record ClaimAck(String claimId, boolean accepted, List<String> codes, String words) {}

  /** One acknowledgement file: a 999's groups, or a 277CA's claims. */
  record Acknowledgement(String kind, String control, List<FileAck> files, List<ClaimAck> claims) {}

  /** STC01-1 claim status categories that reject a claim (returned, not found, errors). */
  private static final Set<String> REJECTING = Set.of("A3", "A4", "A6", "A7", "A8", "E0", "E1");

  private AcknowledgementReader() {}

  static Acknowledgement read(String x12) {
    List<List<String>> segments = X12Segments.read(x12, "acknowledgement", "acknowledgement");
    String control =
        segments.stream()
            .filter(s -> s.get(0).equals("ISA"))
            .map(s -> element(s, 13))
            .findFirst()
            .orElse("");
    if (X12Segments.holds(segments, "999")) {
      return new Acknowledgement("999", control, implementation(segments), List.of());
    }
    if (X12Segments.holds(segments, "277")) {
      return new Acknowledgement("277CA", control, List.of(), claims(segments));
    }
    throw InvalidParameter.malformed(
        "acknowledgement",
        "This is neither a 999 implementation acknowledgement nor a 277CA claim acknowledgement"
            + " (no ST*999 or ST*277 transaction set); an 835 goes to $import-remittance");
  }

  /** A 999: each AK1 group, accepted unless its AK9 (or a transaction set's IK5) rejects it. */
  private static List<FileAck> implementation(List<List<String>> segments) {
    List<FileAck> files = new ArrayList<>();
    String group = null;
    boolean rejected = false;
    List<String> errors = new ArrayList<>();
    for (List<String> s : segments) {
      switch (s.get(0)) {
        case "AK1" -> {
          group = element(s, 2);
          rejected = false;
          errors.clear();
        }
        case "IK3" ->
            errors.add(
                "segment "
                    + element(s, 1)
                    + " (position "
                    + element(s, 2)
                    + "): "
                    + SEGMENT_ERRORS.getOrDefault(element(s, 4), "error " + element(s, 4)));
        case "IK4" ->
            errors.add(
                "element "
                    + element(s, 1)
                    + ": "
                    + ELEMENT_ERRORS.getOrDefault(element(s, 3), "error " + element(s, 3))
                    + (element(s, 4).isEmpty() ? "" : " ('" + element(s, 4) + "')"));
        case "IK5" -> rejected |= Set.of("R", "M", "W", "X").contains(element(s, 1));
        case "AK9" -> {
          if (group != null) {
            boolean groupRejected = rejected || Set.of("R", "M", "W", "X").contains(element(s, 1));
            files.add(new FileAck(group, !groupRejected, fileWords(!groupRejected, errors)));
          }
          group = null;
        }
        default -> {}
      }
    }
    if (files.isEmpty()) {
      throw InvalidParameter.malformed(
          "acknowledgement", "The 999 acknowledges no functional group (no AK1 … AK9)");
    }
    return files;
  }

  private static String fileWords(boolean accepted, List<String> errors) {
    String head =
        accepted
            ? "The clearinghouse accepted the 837"
            : "The clearinghouse rejected the whole 837 (999)";
    return errors.isEmpty() ? head : head + ": " + String.join("; ", errors);
  }

  /** A 277CA: each patient-level claim (TRN*2) and the STC statuses that follow it. */
  private static List<ClaimAck> claims(List<List<String>> segments) {
    List<ClaimAck> claims = new ArrayList<>();
    String level = "";
    String claimId = null;
    List<String> statuses = new ArrayList<>();
    for (List<String> s : segments) {
      switch (s.get(0)) {
        case "HL" -> {
          claimId = flush(claims, claimId, statuses);
          level = element(s, 3);
        }
        case "TRN" -> {
          if ("PT".equals(level) && "2".equals(element(s, 1))) {
            claimId = flush(claims, claimId, statuses);
            claimId = element(s, 2);
          }
        }
        case "STC" -> {
          if (claimId != null) {
            statuses.add(element(s, 1));
            for (int i : new int[] {10, 11}) {
              if (!element(s, i).isEmpty()) {
                statuses.add(element(s, i));
              }
            }
          }
        }
        case "SE" -> claimId = flush(claims, claimId, statuses);
        default -> {}
      }
    }
    if (claims.isEmpty()) {
      throw InvalidParameter.malformed(
          "acknowledgement", "The 277CA names no claim (no patient-level TRN*2 with an STC)");
    }
    return claims;
  }

  /** Adds the claim read so far, if any, and starts afresh; returns null. */
  private static String flush(List<ClaimAck> claims, String claimId, List<String> statuses) {
    if (claimId != null && !statuses.isEmpty()) {
      boolean rejected = statuses.stream().anyMatch(c -> REJECTING.contains(component(c, 1)));
      List<String> words = new ArrayList<>();
      for (String status : statuses) {
        words.add(statusWords(status));
      }
      claims.add(
          new ClaimAck(
              claimId,
              !rejected,
              List.copyOf(statuses),
              (rejected ? "Rejected before adjudication: " : "Accepted for adjudication: ")
                  + String.join("; ", words)));
    }
    statuses.clear();
    return null;
  }

  /** "A7:562:82 (invalid information: the rendering provider's NPI)". */
  static String statusWords(String composite) {
    String category = component(composite, 1);
    String status = component(composite, 2);
    String entity = component(composite, 3);
    return composite
        + " ("
        + CATEGORIES.getOrDefault(category, "category " + category)
        + (status.isEmpty() ? "" : ": " + STATUSES.getOrDefault(status, "status " + status))
        + (entity.isEmpty() ? "" : ", " + ENTITIES.getOrDefault(entity, "entity " + entity))
        + ")";
  }

  /** Claim status category codes (STC01-1). */
  static final Map<String, String> CATEGORIES =
      Map.ofEntries(
          Map.entry("A0", "forwarded to another entity"),
          Map.entry("A1", "received"),
          Map.entry("A2", "accepted into the adjudication system"),
          Map.entry("A3", "returned as unprocessable"),
          Map.entry("A4", "not found"),
          Map.entry("A5", "split claim"),
          Map.entry("A6", "missing information"),
          Map.entry("A7", "invalid information"),
          Map.entry("A8", "rejected for a relational field in error"),
          Map.entry("E0", "response not possible: error on the submitted request"),
          Map.entry("E1", "response not possible: system status"));

  /** Claim status codes (STC01-2) a group practice meets most. */
  static final Map<String, String> STATUSES =
      Map.ofEntries(
          Map.entry("19", "entity acknowledges receipt of the claim"),
          Map.entry("20", "accepted for processing"),
          Map.entry("21", "missing or invalid information"),
          Map.entry("33", "subscriber and subscriber id not found"),
          Map.entry("145", "entity's specialty or taxonomy code"),
          Map.entry("153", "entity's id number"),
          Map.entry("164", "entity's contract or member number"),
          Map.entry("187", "date(s) of service"),
          Map.entry("254", "principal diagnosis code"),
          Map.entry("454", "procedure code for the services rendered"),
          Map.entry("562", "entity's National Provider Identifier (NPI)"),
          Map.entry("673", "patient control number"));

  /** Entity identifier codes (STC01-3). */
  static final Map<String, String> ENTITIES =
      Map.ofEntries(
          Map.entry("QC", "the patient"),
          Map.entry("IL", "the subscriber"),
          Map.entry("85", "the billing provider"),
          Map.entry("82", "the rendering provider"),
          Map.entry("PR", "the payer"),
          Map.entry("41", "the submitter"));

  /** IK304 implementation segment syntax error codes. */
  private static final Map<String, String> SEGMENT_ERRORS =
      Map.of(
          "1", "unrecognized segment",
          "2", "unexpected segment",
          "3", "required segment missing",
          "4", "loop occurs over its maximum",
          "5", "segment exceeds its maximum use",
          "8", "segment has data element errors",
          "I4", "implementation 'not used' segment present",
          "I6", "implementation dependent segment missing",
          "I9", "implementation dependent 'not used' segment present");

  /** IK403 implementation data element syntax error codes. */
  private static final Map<String, String> ELEMENT_ERRORS =
      Map.ofEntries(
          Map.entry("1", "required element missing"),
          Map.entry("2", "conditional required element missing"),
          Map.entry("4", "too short"),
          Map.entry("5", "too long"),
          Map.entry("6", "invalid character"),
          Map.entry("7", "invalid code value"),
          Map.entry("8", "invalid date"),
          Map.entry("9", "invalid time"),
          Map.entry("I10", "implementation 'not used' element present"),
          Map.entry("I12", "implementation pattern match failure"),
          Map.entry("I13", "implementation dependent element missing"));
}
