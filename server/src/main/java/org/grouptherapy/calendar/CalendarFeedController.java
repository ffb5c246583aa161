package org.grouptherapy.calendar;

import jakarta.servlet.http.HttpServletRequest;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import net.fortuna.ical4j.data.CalendarOutputter;
import net.fortuna.ical4j.model.Calendar;
import net.fortuna.ical4j.model.TimeZone;
import net.fortuna.ical4j.model.TimeZoneRegistryFactory;
import net.fortuna.ical4j.model.component.VEvent;
import net.fortuna.ical4j.model.property.Categories;
import net.fortuna.ical4j.model.property.Description;
import net.fortuna.ical4j.model.property.DtStamp;
import net.fortuna.ical4j.model.property.Location;
import net.fortuna.ical4j.model.property.ProdId;
import net.fortuna.ical4j.model.property.Uid;
import net.fortuna.ical4j.model.property.XProperty;
import net.fortuna.ical4j.model.property.immutable.ImmutableCalScale;
import net.fortuna.ical4j.model.property.immutable.ImmutableStatus;
import net.fortuna.ical4j.model.property.immutable.ImmutableTransp;
import net.fortuna.ical4j.model.property.immutable.ImmutableVersion;
import org.grouptherapy.kernel.PracticeTime;
import org.grouptherapy.kernel.access.AccessAudit;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * The iCalendar (RFC 5545) feed behind a secret URL: what a calendar app subscribes to. Built from
 * the live calendar on every fetch (30 days back, 180 ahead), so it follows every change. Events
 * carry group names, rooms and join links, never a member's name; times are local to the practice
 * (TZID with its VTIMEZONE).
 */
@RestController
class CalendarFeedController {

  static final String PATH = "/calendar/feeds/";
  private static final MediaType TEXT_CALENDAR =
      new MediaType("text", "calendar", java.nio.charset.StandardCharsets.UTF_8);

  private final CalendarFeeds feeds;
  private final CalendarService calendars;
  private final Clock clock;
  private final AccessAudit audit;
  private final PracticeTime practiceTime;

  CalendarFeedController(
      CalendarFeeds feeds,
      CalendarService calendars,
      Clock clock,
      AccessAudit audit,
      PracticeTime practiceTime) {
    this.feeds = feeds;
    this.calendars = calendars;
    this.clock = clock;
    this.audit = audit;
    this.practiceTime = practiceTime;
  }

  @GetMapping(PATH + "{token}.ics")
  ResponseEntity<String> feed(@PathVariable String token, HttpServletRequest request)
      throws Exception {
    var actor = feeds.actorFor(token);
    audit.calendarFeed(request, actor.orElse(null), actor.isPresent() ? 200 : 404);
    if (actor.isEmpty()) {
      return ResponseEntity.status(HttpStatus.NOT_FOUND)
          .contentType(MediaType.TEXT_PLAIN)
          .body("Unknown or revoked calendar feed: ask the practice for a new link.\n");
    }
    Instant now = clock.instant();
    Calendar calendar = new Calendar();
    calendar.add(new ProdId("-//Group Therapy FHIR Server//Calendar feed//EN"));
    calendar.add(ImmutableVersion.VERSION_2_0);
    calendar.add(ImmutableCalScale.GREGORIAN);
    calendar.add(new XProperty("X-WR-CALNAME", "Group therapy calendar"));
    // Times in the practice's zone with its VTIMEZONE (rules from ical4j's bundled zoneinfo,
    // never fetched), so a calendar app shows 18:00 as the practice means it, across DST.
    ZoneId zone = practiceTime.zone();
    TimeZone timeZone =
        TimeZoneRegistryFactory.getInstance().createRegistry().getTimeZone(zone.getId());
    if (timeZone != null) {
      calendar.add(timeZone.getVTimeZone());
    }
    for (CalendarService.Entry entry :
        calendars.entries(
            actor.get(), now.minus(Duration.ofDays(30)), now.plus(Duration.ofDays(180)))) {
      VEvent event =
          timeZone == null
              ? new VEvent(entry.start(), entry.end(), entry.title())
              : new VEvent(entry.start().atZone(zone), entry.end().atZone(zone), entry.title());
      event.add(new Uid(entry.resource().replace('/', '-') + "@grouptherapy.example.org"));
      // The constructor stamps the event already: replace, so there is exactly one DTSTAMP.
      event.replace(new DtStamp(now));
      event.add(new Categories(entry.kind()));
      if (entry.place() != null) {
        event.add(new Location(entry.place()));
      }
      if (entry.joinUrl() != null) {
        event.add(new Description("Join online: " + entry.joinUrl()));
      }
      switch (entry.status()) {
        case "cancelled" -> event.add(ImmutableStatus.VEVENT_CANCELLED);
        case "free" -> event.add(ImmutableTransp.TRANSPARENT);
        default -> {
          event.add(ImmutableStatus.VEVENT_CONFIRMED);
          event.add(ImmutableTransp.OPAQUE);
        }
      }
      calendar.add(event);
    }
    StringWriter out = new StringWriter();
    new CalendarOutputter().output(calendar, out);
    return ResponseEntity.ok()
        .contentType(TEXT_CALENDAR)
        .cacheControl(CacheControl.noStore())
        .body(out.toString());
  }
}
