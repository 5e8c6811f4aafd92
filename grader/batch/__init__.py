"""Grading a whole class: ``grader batch`` and ``grader merge``.

entries     what is in a class folder (one entry per student; course-platform exports)
unzip       safe extraction of a student's .zip
resolve     from an entry to what ``grader check`` grades (unwrap, extract, stage)
keys        content hashes and the key that decides whether a grading can be reused
worker      one ``grader check`` subprocess in its own process group, with a time budget
job         one entry graded: resolved, fingerprinted, checked, its reports kept, a Record made
reaper      adopt and end what a killed grading's programs left behind
engine      plan (shard, cache) and run the gradings in parallel
shard       ``--shard K/N``
merge       shard outputs into one gradebook
export      grades.csv and the class view the index page is rendered from

The gradebook (SQLite) is ``grader.batch.gradebook``; similarity is
``grader.batch.similarity``; the index page is ``grader.report.index``.
"""
