package org.grouptherapy.scheduling;

import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.Attachment;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.PrimitiveType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Type;

/**
 * Reads an operation's Parameters: each accessor names the parameter in its error, so a client
 * learns which one to fix.
 */
final class OperationInput {

  private final Parameters parameters;

  OperationInput(Parameters parameters) {
    this.parameters = parameters == null ? new Parameters() : parameters;
  }

  private List<Type> values(String name) {
    List<Type> values = new ArrayList<>();
    for (ParametersParameterComponent p : parameters.getParameter()) {
      if (name.equals(p.getName())) {
        if (p.getValue() == null) {
          throw InvalidParameter.malformed(name, name + " has no value");
        }
        values.add(p.getValue());
      }
    }
    return values;
  }

  private Optional<Type> value(String name) {
    List<Type> values = values(name);
    if (values.size() > 1) {
      throw InvalidParameter.malformed(name, name + " may be given once");
    }
    return values.stream().findFirst();
  }

  Optional<String> string(String name) {
    return value(name)
        .map(
            v -> {
              if (v instanceof PrimitiveType<?> p && !(v instanceof BooleanType)) {
                return p.getValueAsString();
              }
              throw InvalidParameter.malformed(name, name + " must be a string");
            })
        .map(String::strip)
        .filter(s -> !s.isEmpty());
  }

  String requiredString(String name, String example) {
    return string(name)
        .orElseThrow(
            () -> InvalidParameter.malformed(name, name + " is required, e.g. " + example));
  }

  Optional<Integer> integer(String name) {
    return value(name)
        .map(
            v -> {
              if (v instanceof IntegerType i && i.getValue() != null) {
                return i.getValue();
              }
              if (v instanceof PrimitiveType<?> p) {
                try {
                  return Integer.parseInt(p.getValueAsString());
                } catch (NumberFormatException e) {
                  // fall through
                }
              }
              throw InvalidParameter.malformed(name, name + " must be a whole number");
            });
  }

  boolean bool(String name) {
    return value(name)
        .map(
            v -> {
              if (v instanceof BooleanType b && b.getValue() != null) {
                return b.getValue();
              }
              if (v instanceof PrimitiveType<?> p && p.getValueAsString() != null) {
                String text = p.getValueAsString();
                if (text.equals("true") || text.equals("false")) {
                  return Boolean.parseBoolean(text);
                }
              }
              throw InvalidParameter.malformed(name, name + " must be true or false");
            })
        .orElse(false);
  }

  Optional<LocalDate> date(String name) {
    return value(name).map(v -> toDate(name, v));
  }

  List<LocalDate> dates(String name) {
    return values(name).stream().map(v -> toDate(name, v)).toList();
  }

  private static LocalDate toDate(String name, Type v) {
    try {
      if (v instanceof DateType d) {
        return LocalDate.parse(d.getValueAsString());
      }
      if (v instanceof PrimitiveType<?> p) {
        return LocalDate.parse(p.getValueAsString().substring(0, 10));
      }
    } catch (DateTimeParseException | IndexOutOfBoundsException e) {
      // fall through
    }
    throw InvalidParameter.malformed(name, name + " must be a date (YYYY-MM-DD)");
  }

  /**
   * A local wall-clock date-time in {@code zone}: a string {@code 2026-03-02T18:00} or a dateTime
   * (whose offset, if any, is converted to the zone).
   */
  Optional<LocalDateTime> localDateTime(String name, ZoneId zone) {
    return value(name)
        .map(
            v -> {
              try {
                if (v instanceof DateTimeType dt && dt.getTimeZone() != null && dt.hasTime()) {
                  return dt.getValue().toInstant().atZone(zone).toLocalDateTime();
                }
                if (v instanceof PrimitiveType<?> p) {
                  return LocalDateTime.parse(p.getValueAsString());
                }
              } catch (DateTimeParseException e) {
                // fall through
              }
              throw InvalidParameter.malformed(
                  name,
                  name
                      + " must be a local date-time in the group's time zone, e.g."
                      + " 2026-03-02T18:00");
            });
  }

  Optional<LocalTime> time(String name) {
    return value(name)
        .map(
            v -> {
              try {
                if (v instanceof PrimitiveType<?> p) {
                  return LocalTime.parse(p.getValueAsString());
                }
              } catch (DateTimeParseException e) {
                // fall through
              }
              throw InvalidParameter.malformed(name, name + " must be a time, e.g. 18:30");
            });
  }

  Optional<String> reference(String name) {
    return value(name)
        .map(
            v -> {
              String text =
                  v instanceof Reference r
                      ? r.getReference()
                      : v instanceof PrimitiveType<?> p ? p.getValueAsString() : null;
              String id = text == null ? null : CalendarDirectory.referenceOf(new Reference(text));
              if (id == null) {
                throw InvalidParameter.malformed(
                    name, name + " must be a reference such as Location/12");
              }
              return id;
            });
  }

  Optional<String> attachmentText(String name) {
    return value(name)
        .map(
            v -> {
              if (v instanceof Attachment a && a.hasData()) {
                return new String(a.getData(), StandardCharsets.UTF_8);
              }
              throw InvalidParameter.malformed(
                  name, name + " must be an attachment with its data (text/calendar)");
            });
  }
}
