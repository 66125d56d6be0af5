"""The advice shown to people: the text report, the calendar, the page's picture and route, explanations."""
