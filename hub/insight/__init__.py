"""Referrer insight: who refers, what becomes of their referrals, and how fast the MASH decides.

Six reports over a period, each by month or by week, each a chart, tables and a CSV (`report`): referrals by
referrer type and organisation (`referrers`), conversion to each outcome (`outcomes`), quality per referrer
(`quality`, the quality layer's own report), schools that made no referral beside their pupils (`schools`,
against the council's register, `schools_register`), police referral volume and re-referral rate
(`police`), and time from receipt to decision against the target (`timeliness`). `reports` runs one by
name for the CLI and the web pages. They read plain columns only (`hub.store.insight_records`, the
decisions' codes and times, the quality assessments' scores): never a referral's content, never a person.
"""
