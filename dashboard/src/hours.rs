//! The business hours page: the site's time zone, its working intervals per weekday (overnight
//! ones too), 24×7, and its holidays — the hours in which SLA clocks run. Admins and owners
//! change them; other roles read them.

use crate::controls::{described_by, invalid, FieldError, FieldErrors, Notice};
use crate::format;
use crate::settings::SettingsHead;
use crate::shell::Desk;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::sla::{BusinessHours, Weekday, WorkingInterval};

/// Time zones offered as the field is typed in; any other IANA name is taken as well.
const TIME_ZONES: [&str; 32] = [
    "UTC",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Madrid",
    "Europe/Paris",
    "Europe/Amsterdam",
    "Europe/Berlin",
    "Europe/Zurich",
    "Europe/Rome",
    "Europe/Stockholm",
    "Europe/Warsaw",
    "Europe/Athens",
    "Europe/Istanbul",
    "Europe/Moscow",
    "Africa/Cairo",
    "Africa/Lagos",
    "Africa/Johannesburg",
    "Asia/Dubai",
    "Asia/Riyadh",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
    "America/Sao_Paulo",
    "America/New_York",
    "America/Toronto",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
];

/// The business hours page.
// The props builder that #[component] generates is `pub` whatever the component's visibility.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn BusinessHoursPage() -> impl IntoView {
    let desk = Desk::expect();
    let api = desk.api.clone();
    let loaded = LocalResource::new(move || {
        let api = api.clone();
        async move { api.business_hours().await }
    });
    view! {
        <div class="settings business-hours">
            <SettingsHead title="Business hours" read_only=!desk.role.configures() />
            <Transition fallback=|| {
                view! { <p class="loading" role="status">"Loading the business hours…"</p> }
            }>
                {move || Suspend::new(async move {
                    match loaded.await {
                        Ok(hours) => view! { <HoursForm hours /> }.into_any(),
                        Err(e) => {
                            let message = e.message().to_owned();
                            view! { <p class="error" role="alert">{message}</p> }.into_any()
                        }
                    }
                })}
            </Transition>
        </div>
    }
}

/// One working interval being edited.
#[derive(Debug, Clone, Copy)]
struct IntervalDraft {
    key: u32,
    day: Weekday,
    start: RwSignal<String>,
    end: RwSignal<String>,
}

/// The form, filled with the hours as loaded.
///
/// - `hours`: the site's business hours.
#[component]
fn HoursForm(hours: BusinessHours) -> impl IntoView {
    let desk = Desk::expect();
    let editable = desk.role.configures();
    let read_only = Signal::stored(!editable);
    let next_key = StoredValue::new(0u32);
    let fresh_key = move || {
        next_key.update_value(|k| *k += 1);
        next_key.get_value()
    };

    let time_zone = RwSignal::new(hours.time_zone.clone());
    let always_open = RwSignal::new(hours.always_open);
    let intervals = RwSignal::new(
        hours
            .week
            .iter()
            .map(|i| IntervalDraft {
                key: fresh_key(),
                day: i.day,
                start: RwSignal::new(i.start.clone()),
                end: RwSignal::new(i.end.clone()),
            })
            .collect::<Vec<_>>(),
    );
    let holidays = RwSignal::new(
        hours
            .holidays
            .iter()
            .map(|h| (fresh_key(), RwSignal::new(h.clone())))
            .collect::<Vec<_>>(),
    );
    // The drafts' keys in the order they were last sent, so that `week[2]` in a refusal finds
    // its row (rows are sent weekday by weekday).
    let sent_intervals = RwSignal::new(Vec::<u32>::new());
    let sent_holidays = RwSignal::new(Vec::<u32>::new());
    let errors = FieldErrors::new();
    let (notice, set_notice) = signal(None::<Result<String, String>>);
    let (saving, set_saving) = signal(false);

    let api = desk.api.clone();
    let save = move |ev: SubmitEvent| {
        ev.prevent_default();
        let mut rows = intervals.get_untracked();
        rows.sort_by_key(|r| r.day);
        let kept_holidays: Vec<(u32, String)> = holidays
            .get_untracked()
            .iter()
            .map(|(k, h)| (*k, h.get_untracked().trim().to_owned()))
            .filter(|(_, h)| !h.is_empty())
            .collect();
        sent_intervals.set(rows.iter().map(|r| r.key).collect());
        sent_holidays.set(kept_holidays.iter().map(|(k, _)| *k).collect());
        let hours = BusinessHours {
            time_zone: time_zone.get_untracked().trim().to_owned(),
            always_open: always_open.get_untracked(),
            week: rows
                .iter()
                .map(|r| WorkingInterval {
                    day: r.day,
                    start: r.start.get_untracked().trim().to_owned(),
                    end: r.end.get_untracked().trim().to_owned(),
                })
                .collect(),
            holidays: kept_holidays.into_iter().map(|(_, h)| h).collect(),
        };
        let api = api.clone();
        set_saving.set(true);
        spawn_local(async move {
            match api.set_business_hours(&hours).await {
                Ok(_) => {
                    errors.clear();
                    set_notice.set(Some(Ok("Business hours saved".to_owned())));
                }
                Err(e) => {
                    errors.show(&e);
                    set_notice.set(Some(Err(e.message().to_owned())));
                }
            }
            set_saving.set(false);
        });
    };

    let zone_error = Signal::derive(move || errors.at("time_zone"));
    let week_error = Signal::derive(move || errors.at("week"));
    let holidays_error = Signal::derive(move || errors.at("holidays"));
    let zone_options = TIME_ZONES
        .into_iter()
        .map(|z| view! { <option value=z></option> })
        .collect_view();
    let days = Weekday::ALL
        .into_iter()
        .map(|day| {
            view! {
                <DayIntervals
                    day
                    intervals
                    sent=sent_intervals
                    errors
                    editable
                    on_add=move |()| {
                        let draft = IntervalDraft {
                            key: fresh_key(),
                            day,
                            start: RwSignal::new("09:00".to_owned()),
                            end: RwSignal::new("17:00".to_owned()),
                        };
                        intervals.update(|all| all.push(draft));
                    }
                />
            }
        })
        .collect_view();

    view! {
        <form class="panel hours" on:submit=save>
            <div class="field">
                <label for="time-zone">"Time zone (IANA name)"</label>
                <input
                    id="time-zone"
                    type="text"
                    list="time-zones"
                    autocomplete="off"
                    spellcheck="false"
                    bind:value=time_zone
                    disabled=read_only
                    aria-invalid=invalid(zone_error)
                    aria-describedby=described_by("time-zone-error".to_owned(), zone_error)
                />
                <datalist id="time-zones">{zone_options}</datalist>
                <FieldError id="time-zone-error" message=zone_error />
            </div>
            <div class="field checkbox">
                <input id="always-open" type="checkbox" bind:checked=always_open disabled=read_only />
                <label for="always-open">"Open 24 hours a day, 7 days a week (24×7)"</label>
            </div>
            <h3>"Working hours"</h3>
            <p class="hint">
                {move || {
                    if always_open.get() {
                        "Kept for later, not used while the site is open 24×7. Holidays still close."
                    } else {
                        "Times are HH:MM in the site's time zone. An end at or before its start runs overnight into the next day; 24:00 is midnight."
                    }
                }}
            </p>
            <FieldError id="week-error" message=week_error />
            <div class="week">{days}</div>
            <h3>"Holidays"</h3>
            <p class="hint">"Whole days closed, in the site's time zone."</p>
            <FieldError id="holidays-error" message=holidays_error />
            {move || holidays.with(Vec::is_empty).then(|| view! { <p class="empty">"No holidays."</p> })}
            <ul class="holidays">
                <For each=move || holidays.get() key=|(key, _)| *key let((key, date))>
                    {
                        let id = format!("holiday-{key}");
                        let error = Signal::derive(move || {
                            sent_holidays
                                .with(|s| s.iter().position(|k| *k == key))
                                .and_then(|i| errors.at(&format!("holidays[{i}]")))
                        });
                        let error_id = format!("{id}-error");
                        view! {
                            <li>
                                <label for=id.clone() class="visually-hidden">"Holiday"</label>
                                <input
                                    id=id.clone()
                                    type="date"
                                    bind:value=date
                                    disabled=read_only
                                    aria-invalid=invalid(error)
                                    aria-describedby=described_by(error_id.clone(), error)
                                />
                                {editable
                                    .then(|| {
                                        view! {
                                            <button
                                                type="button"
                                                class="remove secondary"
                                                aria-label=move || format!("Remove holiday {}", date.get())
                                                on:click=move |_| holidays.update(|h| h.retain(|(k, _)| *k != key))
                                            >
                                                "Remove"
                                            </button>
                                        }
                                    })}
                                <FieldError id=error_id message=error />
                            </li>
                        }
                    }
                </For>
            </ul>
            {editable
                .then(|| {
                    view! {
                        <div class="actions">
                            <button
                                type="button"
                                class="add-holiday secondary"
                                on:click=move |_| {
                                    let key = fresh_key();
                                    holidays.update(|h| h.push((key, RwSignal::new(String::new()))))
                                }
                            >
                                "Add holiday"
                            </button>
                            <button type="submit" class="save-hours" disabled=saving>
                                "Save business hours"
                            </button>
                        </div>
                    }
                })}
            <Notice notice />
        </form>
    }
}

/// One weekday's working intervals.
///
/// - `day`: the weekday.
/// - `intervals`: every interval of the week (this shows `day`'s).
/// - `sent`: the intervals' keys in the order last sent, to find a refusal's `week[i]`.
/// - `errors`: what the collector said.
/// - `editable`: whether the role may change them.
/// - `on_add`: adds an interval to `day`.
#[component]
fn DayIntervals(
    day: Weekday,
    intervals: RwSignal<Vec<IntervalDraft>>,
    sent: RwSignal<Vec<u32>>,
    errors: FieldErrors,
    editable: bool,
    #[prop(into)] on_add: Callback<()>,
) -> impl IntoView {
    let name = format::weekday(day);
    let read_only = Signal::stored(!editable);
    let of_day = move || {
        intervals.with(|all| {
            all.iter()
                .filter(|i| i.day == day)
                .copied()
                .collect::<Vec<_>>()
        })
    };
    view! {
        <fieldset class="day" data-day=day.as_str()>
            <legend>{name}</legend>
            {move || {
                intervals
                    .with(|all| !all.iter().any(|i| i.day == day))
                    .then(|| view! { <p class="muted closed">"Closed"</p> })
            }}
            <ul class="intervals">
                <For each=of_day key=|i| i.key let(interval)>
                    {
                        let key = interval.key;
                        let path = move || {
                            sent.with(|s| s.iter().position(|k| *k == key))
                                .map(|i| format!("week[{i}]"))
                        };
                        let at = move |field: &'static str| {
                            Signal::derive(move || {
                                path().and_then(|p| {
                                    if field.is_empty() {
                                        errors.at(&p)
                                    } else {
                                        errors.at(&format!("{p}.{field}"))
                                    }
                                })
                            })
                        };
                        let (start_error, end_error, row_error) = (at("start"), at("end"), at(""));
                        let id = format!("interval-{key}");
                        let overnight = move || {
                            let (start, end) = (interval.start.get(), interval.end.get());
                            (end.len() == 5 && start.len() == 5 && end <= start)
                                .then(|| view! { <span class="overnight">"overnight, ends the next day"</span> })
                        };
                        view! {
                            <li class="interval">
                                <div class="field">
                                    <label for=format!("{id}-start")>"From"</label>
                                    <input
                                        id=format!("{id}-start")
                                        class="start"
                                        type="text"
                                        inputmode="numeric"
                                        placeholder="09:00"
                                        size="5"
                                        bind:value=interval.start
                                        disabled=read_only
                                        aria-invalid=invalid(start_error)
                                        aria-describedby=described_by(format!("{id}-start-error"), start_error)
                                    />
                                </div>
                                <div class="field">
                                    <label for=format!("{id}-end")>"To"</label>
                                    <input
                                        id=format!("{id}-end")
                                        class="end"
                                        type="text"
                                        inputmode="numeric"
                                        placeholder="17:00"
                                        size="5"
                                        bind:value=interval.end
                                        disabled=read_only
                                        aria-invalid=invalid(end_error)
                                        aria-describedby=described_by(format!("{id}-end-error"), end_error)
                                    />
                                </div>
                                {overnight}
                                {editable
                                    .then(|| {
                                        view! {
                                            <button
                                                type="button"
                                                class="remove secondary"
                                                aria-label=format!("Remove {name} interval")
                                                on:click=move |_| intervals.update(|all| all.retain(|i| i.key != key))
                                            >
                                                "Remove"
                                            </button>
                                        }
                                    })}
                                <FieldError id=format!("{id}-start-error") message=start_error />
                                <FieldError id=format!("{id}-end-error") message=end_error />
                                <FieldError id=format!("{id}-error") message=row_error />
                            </li>
                        }
                    }
                </For>
            </ul>
            {editable
                .then(|| {
                    view! {
                        <button
                            type="button"
                            class="add-interval secondary"
                            aria-label=format!("Add interval on {name}")
                            on:click=move |_| on_add.run(())
                        >
                            "Add interval"
                        </button>
                    }
                })}
        </fieldset>
    }
}
