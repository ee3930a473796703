"""Documents in the chart (issue 12): the list, the attach form and the viewer."""
