"""The county budget: costs priced day by day, tables and the workbook."""
