package org.grouptherapy.billing;

import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import io.xlate.edi.stream.EDIInputFactory;
import io.xlate.edi.stream.EDIStreamEvent;
import io.xlate.edi.stream.EDIStreamException;
import io.xlate.edi.stream.EDIStreamReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.grouptherapy.kernel.InvalidParameter;

/**
 * An X12 interchange read with StAEDI into its segments, each its tag followed by its element
 * values (a composite's components joined with ':'). What every X12 file the server reads (835,
 * 999, 277CA) and every test that reads back an 837 goes through. A file that is not well formed is
 * refused (400) naming the parameter it came in and StAEDI's words.
 */
final class X12Segments {

  private X12Segments() {}

  /** The segments of {@code x12}; {@code parameter} and {@code what} name it in an error. */
  static List<List<String>> read(String x12, String parameter, String what) {
    List<List<String>> segments = new ArrayList<>();
    EDIInputFactory factory = EDIInputFactory.newFactory();
    try (EDIStreamReader reader =
        factory.createEDIStreamReader(
            new ByteArrayInputStream(x12.strip().getBytes(StandardCharsets.US_ASCII)))) {
      List<String> current = null;
      StringBuilder composite = null;
      while (reader.hasNext()) {
        EDIStreamEvent event = reader.next();
        switch (event) {
          case START_SEGMENT -> {
            current = new ArrayList<>();
            current.add(reader.getText());
            segments.add(current);
          }
          case START_COMPOSITE -> composite = new StringBuilder();
          case END_COMPOSITE -> {
            if (current != null && composite != null) {
              current.add(composite.toString());
            }
            composite = null;
          }
          case ELEMENT_DATA -> {
            if (composite != null) {
              composite.append(composite.isEmpty() ? "" : ":").append(reader.getText());
            } else if (current != null) {
              current.add(reader.getText());
            }
          }
          case SEGMENT_ERROR, ELEMENT_DATA_ERROR, ELEMENT_OCCURRENCE_ERROR ->
              throw InvalidParameter.malformed(
                  parameter,
                  "The "
                      + what
                      + " is not well formed: "
                      + reader.getErrorType()
                      + " at "
                      + reader.getText());
          default -> {}
        }
      }
    } catch (EDIStreamException | IOException | RuntimeException e) {
      if (e instanceof BaseServerResponseException known) {
        throw known;
      }
      throw InvalidParameter.malformed(
          parameter, "The " + what + " could not be read: " + e.getMessage());
    }
    return segments;
  }

  /** Element {@code index} (1-based, as X12 numbers them) of a segment, or "" when absent. */
  static String element(List<String> segment, int index) {
    return index < segment.size() && segment.get(index) != null ? segment.get(index) : "";
  }

  /** Component {@code index} (1-based) of a composite element ("A3:21:QC"), or "". */
  static String component(String composite, int index) {
    String[] parts = composite.split(":", -1);
    return index <= parts.length ? parts[index - 1] : "";
  }

  /** Whether the file holds a transaction set of this kind (ST01: "835", "999", "277"). */
  static boolean holds(List<List<String>> segments, String transactionSet) {
    return segments.stream()
        .anyMatch(s -> s.get(0).equals("ST") && transactionSet.equals(element(s, 1)));
  }
}
