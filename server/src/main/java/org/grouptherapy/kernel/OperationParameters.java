package org.grouptherapy.kernel;

import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IPrimitiveType;
import org.hl7.fhir.r4.model.Attachment;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.PrimitiveType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.Type;

/**
 * An operation's input (a Parameters resource, or the parts of one parameter) read into Java values
 * once, at the operation's boundary. Each accessor names the parameter in its error (400 for
 * malformed, see {@link InvalidParameter}), so a client learns which one to fix; dates follow the
 * one policy of {@link LocalDates}.
 */
public final class OperationParameters {

  private final List<ParametersParameterComponent> parameters;
  private final String prefix;

  public OperationParameters(Parameters parameters) {
    this(parameters == null ? List.of() : parameters.getParameter(), "");
  }

  private OperationParameters(List<ParametersParameterComponent> parameters, String prefix) {
    this.parameters = parameters;
    this.prefix = prefix;
  }

  /** Refuses any parameter this operation does not define (400 naming it). */
  public OperationParameters onlyThese(Collection<String> names) {
    for (ParametersParameterComponent p : parameters) {
      if (!names.contains(p.getName())) {
        throw InvalidParameter.malformed(
            prefix + p.getName(),
            "Unknown parameter "
                + prefix
                + p.getName()
                + ": this operation takes "
                + String.join(", ", names.stream().sorted().map(n -> prefix + n).toList()));
      }
    }
    return this;
  }

  /** The parts of each occurrence of a parameter with parts (e.g. each {@code attendance}). */
  public List<OperationParameters> parts(String name) {
    List<OperationParameters> out = new ArrayList<>();
    for (ParametersParameterComponent p : parameters) {
      if (name.equals(p.getName())) {
        out.add(new OperationParameters(p.getPart(), prefix + name + "."));
      }
    }
    return out;
  }

  private List<Type> values(String name) {
    List<Type> values = new ArrayList<>();
    for (ParametersParameterComponent p : parameters) {
      if (name.equals(p.getName())) {
        if (p.getValue() == null) {
          throw InvalidParameter.malformed(prefix + name, prefix + name + " has no value");
        }
        values.add(p.getValue());
      }
    }
    return values;
  }

  private Optional<Type> value(String name) {
    List<Type> values = values(name);
    if (values.size() > 1) {
      throw InvalidParameter.malformed(prefix + name, prefix + name + " may be given once");
    }
    return values.stream().findFirst();
  }

  /** A resource parameter ({@code Parameters.parameter.resource}). */
  public <T extends Resource> Optional<T> resource(String name, Class<T> type) {
    for (ParametersParameterComponent p : parameters) {
      if (name.equals(p.getName()) && p.getResource() != null) {
        if (!type.isInstance(p.getResource())) {
          throw InvalidParameter.malformed(
              prefix + name, prefix + name + " must be a " + type.getSimpleName());
        }
        return Optional.of(type.cast(p.getResource()));
      }
    }
    return Optional.empty();
  }

  public boolean has(String name) {
    return parameters.stream().anyMatch(p -> name.equals(p.getName()));
  }

  public Optional<String> string(String name) {
    return value(name).map(v -> text(name, v)).map(String::strip).filter(s -> !s.isEmpty());
  }

  private String text(String name, Type v) {
    if (v instanceof PrimitiveType<?> p && !(v instanceof BooleanType)) {
      return p.getValueAsString() == null ? "" : p.getValueAsString();
    }
    throw InvalidParameter.malformed(prefix + name, prefix + name + " must be a string");
  }

  public String requiredString(String name, String example) {
    return string(name)
        .orElseThrow(
            () ->
                InvalidParameter.malformed(
                    prefix + name, prefix + name + " is required, e.g. " + example));
  }

  public Optional<Integer> integer(String name) {
    return value(name)
        .map(
            v -> {
              if (v instanceof IntegerType i && i.getValue() != null) {
                return i.getValue();
              }
              if (v instanceof PrimitiveType<?> p && !(v instanceof BooleanType)) {
                try {
                  return Integer.parseInt(p.getValueAsString().strip());
                } catch (NumberFormatException | NullPointerException e) {
                  // falls through to the message below
                }
              }
              throw InvalidParameter.malformed(
                  prefix + name, prefix + name + " must be a whole number");
            });
  }

  public boolean bool(String name) {
    return optionalBool(name).orElse(false);
  }

  public Optional<Boolean> optionalBool(String name) {
    return value(name)
        .map(
            v -> {
              if (v instanceof BooleanType b && b.getValue() != null) {
                return b.getValue();
              }
              if (v instanceof PrimitiveType<?> p && p.getValueAsString() != null) {
                String text = p.getValueAsString().strip();
                if (text.equals("true") || text.equals("false")) {
                  return Boolean.parseBoolean(text);
                }
              }
              throw InvalidParameter.malformed(
                  prefix + name, prefix + name + " must be true or false");
            });
  }

  /** A date as a person means it, in {@code zone} (see {@link LocalDates}). */
  public Optional<LocalDate> date(String name, ZoneId zone, LocalDates.Bound bound) {
    return value(name).map(v -> LocalDates.parse(prefix + name, text(name, v), zone, bound));
  }

  public List<LocalDate> dates(String name, ZoneId zone) {
    return values(name).stream()
        .map(v -> LocalDates.parse(prefix + name, text(name, v), zone, LocalDates.Bound.START))
        .toList();
  }

  /** A Period's start and end as local dates in {@code zone} (either may be missing). */
  public Optional<DatePeriod> period(String name, ZoneId zone) {
    return value(name)
        .map(
            v -> {
              if (!(v instanceof Period p)) {
                throw InvalidParameter.malformed(
                    prefix + name, prefix + name + " must be a Period");
              }
              LocalDate start =
                  p.hasStart()
                      ? LocalDates.parse(
                          prefix + name,
                          p.getStartElement().getValueAsString(),
                          zone,
                          LocalDates.Bound.START)
                      : null;
              LocalDate end =
                  p.hasEnd()
                      ? LocalDates.parse(
                          prefix + name,
                          p.getEndElement().getValueAsString(),
                          zone,
                          LocalDates.Bound.END)
                      : null;
              return new DatePeriod(start, end);
            });
  }

  /** Local dates of a Period; either may be null. */
  public record DatePeriod(LocalDate start, LocalDate end) {}

  /**
   * A local wall-clock date-time in {@code zone}: a string {@code 2026-03-02T18:00} or a dateTime
   * (whose offset, if any, is converted to the zone).
   */
  public Optional<LocalDateTime> localDateTime(String name, ZoneId zone) {
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
              } catch (DateTimeParseException | NullPointerException e) {
                // falls through to the message below
              }
              throw InvalidParameter.malformed(
                  prefix + name,
                  prefix
                      + name
                      + " must be a local date-time in the group's time zone, e.g."
                      + " 2026-03-02T18:00");
            });
  }

  public Optional<LocalTime> time(String name) {
    return value(name)
        .map(
            v -> {
              try {
                if (v instanceof PrimitiveType<?> p) {
                  return LocalTime.parse(p.getValueAsString());
                }
              } catch (DateTimeParseException | NullPointerException e) {
                // falls through to the message below
              }
              throw InvalidParameter.malformed(
                  prefix + name, prefix + name + " must be a time, e.g. 18:30");
            });
  }

  /** A reference ("Location/12") given as a Reference or a string; any resource type. */
  public Optional<String> reference(String name) {
    return value(name).map(v -> toReference(name, v, null));
  }

  /** A reference to a resource of one type ("Patient/7"). */
  public Optional<String> reference(String name, String type) {
    return value(name).map(v -> toReference(name, v, type));
  }

  public String requiredReference(String name, String type) {
    return reference(name, type)
        .orElseThrow(
            () ->
                InvalidParameter.malformed(
                    prefix + name, prefix + name + " is required: a " + type + "/id reference"));
  }

  public List<String> references(String name, String type) {
    return values(name).stream().map(v -> toReference(name, v, type)).toList();
  }

  private String toReference(String name, Type v, String type) {
    String text =
        v instanceof Reference r
            ? r.getReference()
            : v instanceof PrimitiveType<?> p && !(v instanceof BooleanType)
                ? p.getValueAsString()
                : null;
    return reference(prefix + name, text, type);
  }

  /**
   * A reference a parameter gives as text ("Patient/7", a full URL, a versioned id), as "Type/id";
   * 400 naming the parameter when it is none or of another type than {@code type} (null: any).
   */
  public static String reference(String parameter, String text, String type) {
    String reference = text == null ? null : References.of(new Reference(text.strip()));
    if (reference == null || (type != null && !References.isOf(reference, type))) {
      throw InvalidParameter.malformed(
          parameter,
          type == null
              ? parameter + " must be a reference such as Location/12"
              : parameter + " must be a " + type + "/id reference, e.g. " + type + "/12");
    }
    return reference;
  }

  /** Like {@link #reference(String, String, String)}, for an optional query parameter. */
  public static String optionalReference(
      String parameter, IPrimitiveType<String> value, String type) {
    return value == null || value.getValue() == null || value.getValue().isBlank()
        ? null
        : reference(parameter, value.getValue(), type);
  }

  public Optional<String> attachmentText(String name) {
    return value(name)
        .map(
            v -> {
              if (v instanceof Attachment a && a.hasData()) {
                return new String(a.getData(), StandardCharsets.UTF_8);
              }
              throw InvalidParameter.malformed(
                  prefix + name,
                  prefix + name + " must be an attachment with its data (text/calendar)");
            });
  }
}
