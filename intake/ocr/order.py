"""Reading order: top to bottom by rows, left to right within a row.

A line joins a row when its vertical centre lies within half a line height of the row's centre:
what a reader does with a form whose label and value sit side by side at slightly different
heights. Boxes much taller than a text line (vertical captions such as 其他信息, a block that
was read as one) do not define rows; they are placed by their top edge.
"""

from statistics import median

from intake.elements.page import OcrLine


def reading_order(lines: list[OcrLine]) -> list[OcrLine]:
    if not lines:
        return []
    typical = median(ln.box[3] - ln.box[1] for ln in lines)
    rows: list[tuple[float, float, list[OcrLine]]] = []  # (centre, height, members)
    for line in sorted(lines, key=lambda ln: (ln.box[1] + ln.box[3]) / 2):
        h = line.box[3] - line.box[1]
        tall = h > 2.2 * typical
        cy = line.box[1] + typical / 2 if tall else (line.box[1] + line.box[3]) / 2
        for i in range(len(rows) - 1, max(len(rows) - 3, -1), -1):
            rc, rh, members = rows[i]
            if abs(cy - rc) < 0.5 * min(rh, typical if tall else h):
                members.append(line)
                break
        else:
            rows.append((cy, typical if tall else h, [line]))
    rows.sort(key=lambda r: r[0])
    return [ln for _, _, row in rows for ln in sorted(row, key=lambda ln: ln.box[0])]
