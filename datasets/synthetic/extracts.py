"""Department extracts: who writes them, their columns and formats, and who is in them.

Each department names and formats identity fields its own way (Chinese headers, pinyin
abbreviations such as `XM`/`GMSFHM`, or English), and holds different people (`Selection`).
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass

from pprl_synthetic import payloads
from pprl_synthetic.formats import DateStyle, PhoneStyle, SexStyle
from pprl_synthetic.population import Status


class Field(enum.Enum):
    """Identity fields, named as in `<extract>.columns.json`."""

    NAME = "name"
    ID_NUMBER = "id_number"
    SEX = "sex"
    BIRTH_DATE = "birth_date"
    ADDRESS = "address"
    PHONE = "phone"


@dataclass(frozen=True)
class Selection:
    """Who is in an extract.

    An eligible person (age within bounds, and one of `statuses` if given) on the reference
    extract is included with probability `overlap`, any other eligible person with `rate`.
    `households` draws whole households (the reference low-income list). `mortality` weights
    people by a Gompertz hazard (doubling every 8 years of age) with the same mean, for deaths.
    """

    rate: float
    overlap: float = 0.0
    min_age: int = 0
    max_age: int = 200
    statuses: tuple[Status, ...] = ()
    households: bool = False
    mortality: bool = False


@dataclass(frozen=True)
class ExtractSpec:
    name: str  # file stem
    department: str
    title: str
    description: str
    record_id_column: str
    record_id_prefix: str
    columns: tuple[tuple[Field, str], ...]
    selection: Selection
    payload: payloads.Payload
    date_style: DateStyle = DateStyle.ISO
    sex_style: SexStyle = SexStyle.CHINESE
    phone_style: PhoneStyle = PhoneStyle.PLAIN

    def column_map(self) -> dict[str, str]:
        return {"record_id": self.record_id_column} | {f.value: c for f, c in self.columns}

    def with_selection(self, **changes) -> ExtractSpec:
        return dataclasses.replace(self, selection=dataclasses.replace(self.selection, **changes))


F = Field

LOW_INCOME = ExtractSpec(
    name="mz_low_income",
    department="civil-affairs",
    title="低收入人口数据库 (low-income population database)",
    description="Households on minimum living allowance, extreme poverty support, marginal and "
    "expenditure-hardship families and temporary assistance; every household member is listed.",
    record_id_column="救助对象编号",
    record_id_prefix="MZ",
    columns=(
        (F.NAME, "姓名"),
        (F.ID_NUMBER, "身份证号"),
        (F.SEX, "性别"),
        (F.BIRTH_DATE, "出生日期"),
        (F.ADDRESS, "家庭住址"),
        (F.PHONE, "联系电话"),
    ),  # fmt: skip
    selection=Selection(rate=0.08, households=True),
    payload=payloads.low_income,
)

DEATHS = ExtractSpec(
    name="gaj_deaths",
    department="public-security",
    title="死亡人口信息 (death registrations)",
    description="Deaths registered by the household-registration system in the last two years.",
    record_id_column="SWDJBH",
    record_id_prefix="SW",
    columns=(
        (F.NAME, "XM"),
        (F.ID_NUMBER, "GMSFHM"),
        (F.SEX, "XB"),
        (F.BIRTH_DATE, "CSRQ"),
        (F.ADDRESS, "HJDZ"),
    ),  # fmt: skip
    selection=Selection(rate=0.012, overlap=0.05, mortality=True),
    payload=payloads.deaths,
    date_style=DateStyle.COMPACT,
    sex_style=SexStyle.CODE,
)

VEHICLES = ExtractSpec(
    name="gaj_vehicles",
    department="public-security",
    title="机动车登记信息 (motor-vehicle registrations)",
    description="Registered motor vehicles and their owners (traffic police).",
    record_id_column="vehicle_record_no",
    record_id_prefix="JDC",
    columns=(
        (F.NAME, "owner_name"),
        (F.ID_NUMBER, "owner_id_no"),
        (F.PHONE, "owner_phone"),
        (F.ADDRESS, "owner_address"),
    ),  # fmt: skip
    selection=Selection(rate=0.2, overlap=0.03, min_age=18, max_age=80),
    payload=payloads.vehicles,
    phone_style=PhoneStyle.DASHED,
)

HOUSEHOLD_REGISTER = ExtractSpec(
    name="gaj_household_register",
    department="public-security",
    title="户籍人口信息 (household registration)",
    description="Registered residents with household number and relation to the household head.",
    record_id_column="RKBH",
    record_id_prefix="RK",
    columns=(
        (F.NAME, "XM"),
        (F.ID_NUMBER, "GMSFHM"),
        (F.SEX, "XB"),
        (F.BIRTH_DATE, "CSRQ"),
        (F.ADDRESS, "HJDZ"),
    ),  # fmt: skip
    selection=Selection(rate=0.5, overlap=0.95),
    payload=payloads.household_register,
    date_style=DateStyle.COMPACT,
    sex_style=SexStyle.CODE,
)

BUSINESS = ExtractSpec(
    name="scjg_business_registrations",
    department="market-regulation",
    title="经营主体登记信息 (business registrations)",
    description="Registered businesses and their legal representatives.",
    record_id_column="登记序号",
    record_id_prefix="SC",
    columns=((F.NAME, "法定代表人"), (F.ID_NUMBER, "法定代表人证件号码"), (F.PHONE, "联系电话")),
    selection=Selection(rate=0.06, overlap=0.01, min_age=20, max_age=75),
    payload=payloads.business,
)

PROVIDENT_FUND = ExtractSpec(
    name="zj_housing_provident_fund",
    department="housing",
    title="住房公积金缴存信息 (housing provident fund deposits)",
    description="Active housing provident fund accounts with employer and monthly deposit.",
    record_id_column="grzh",
    record_id_prefix="GJJ",
    columns=(
        (F.NAME, "xingming"),
        (F.ID_NUMBER, "zjhm"),
        (F.SEX, "xb"),
        (F.BIRTH_DATE, "csny"),
        (F.PHONE, "sjhm"),
    ),  # fmt: skip
    selection=Selection(rate=0.25, overlap=0.02, min_age=20, max_age=60),
    payload=payloads.provident_fund,
    date_style=DateStyle.SLASH,
    sex_style=SexStyle.LETTER,
    phone_style=PhoneStyle.INTERNATIONAL,
)

PAYROLL = ExtractSpec(
    name="cz_public_payroll",
    department="finance",
    title="财政供养人员信息 (people paid from public funds)",
    description="Civil servants and public-institution staff on the public payroll.",
    record_id_column="人员编号",
    record_id_prefix="CZ",
    columns=(
        (F.NAME, "姓名"),
        (F.ID_NUMBER, "身份证件号码"),
        (F.SEX, "性别"),
        (F.BIRTH_DATE, "出生年月日"),
    ),  # fmt: skip
    selection=Selection(rate=0.05, overlap=0.005, min_age=20, max_age=60),
    payload=payloads.payroll,
    date_style=DateStyle.CHINESE,
)

UNEMPLOYMENT = ExtractSpec(
    name="rs_unemployment",
    department="human-resources-social-security",
    title="失业登记信息 (unemployment registrations)",
    description="Registered unemployed people and whether they draw unemployment benefit.",
    record_id_column="djbh",
    record_id_prefix="SY",
    columns=(
        (F.NAME, "name"),
        (F.ID_NUMBER, "sfzh"),
        (F.SEX, "sex"),
        (F.BIRTH_DATE, "birth"),
        (F.ADDRESS, "address"),
        (F.PHONE, "mobile"),
    ),  # fmt: skip
    selection=Selection(rate=0.03, overlap=0.15, min_age=16, max_age=60),
    payload=payloads.unemployment,
    date_style=DateStyle.COMPACT,
    sex_style=SexStyle.CODE,
)

MEDICAL = ExtractSpec(
    name="yb_high_medical_expenses",
    department="medical-insurance",
    title="高额医疗费用患者信息 (patients with high medical expenses)",
    description="Insured people whose annual out-of-pocket medical expenses are high.",
    record_id_column="参保人编号",
    record_id_prefix="YB",
    columns=(
        (F.NAME, "参保人姓名"),
        (F.ID_NUMBER, "证件号码"),
        (F.SEX, "性别"),
        (F.BIRTH_DATE, "出生日期"),
        (F.ADDRESS, "联系地址"),
        (F.PHONE, "联系电话"),
    ),  # fmt: skip
    selection=Selection(rate=0.02, overlap=0.1),
    payload=payloads.medical,
    date_style=DateStyle.SLASH,
    sex_style=SexStyle.CODE,
)

DISASTER = ExtractSpec(
    name="yj_disaster_victims",
    department="emergency-management",
    title="受灾人员信息 (disaster victims needing aid)",
    description="People affected by natural disasters in the last year.",
    record_id_column="受灾人员编号",
    record_id_prefix="YJ",
    columns=(
        (F.NAME, "姓名"),
        (F.ID_NUMBER, "身份证号码"),
        (F.SEX, "性别"),
        (F.ADDRESS, "住址"),
        (F.PHONE, "联系方式"),
    ),  # fmt: skip
    selection=Selection(rate=0.03, overlap=0.08, households=True),
    payload=payloads.disaster,
    phone_style=PhoneStyle.DASHED,
)

DISABLED = ExtractSpec(
    name="cl_disabled_persons",
    department="disabled-persons-federation",
    title="残疾人基础信息 (disabled persons' basic records)",
    description="Holders of the disability certificate with category and grade.",
    record_id_column="档案编号",
    record_id_prefix="CL",
    columns=(
        (F.NAME, "姓名"),
        (F.ID_NUMBER, "身份证号"),
        (F.SEX, "性别"),
        (F.BIRTH_DATE, "出生日期"),
        (F.ADDRESS, "户籍地址"),
        (F.PHONE, "联系电话"),
    ),  # fmt: skip
    selection=Selection(rate=0.06, overlap=0.15),
    payload=payloads.disabled,
    date_style=DateStyle.CHINESE,
)

UNIVERSITY = ExtractSpec(
    name="jy_university_admissions",
    department="education",
    title="高校录取信息 (university admissions)",
    description="This year's admissions to universities, with university and major.",
    record_id_column="ksh",
    record_id_prefix="KS",
    columns=(
        (F.NAME, "xm"),
        (F.ID_NUMBER, "sfzh"),
        (F.SEX, "xb"),
        (F.BIRTH_DATE, "csrq"),
        (F.ADDRESS, "jtdz"),
        (F.PHONE, "lxdh"),
    ),  # fmt: skip
    selection=Selection(rate=0.45, overlap=0.3, min_age=17, max_age=20),
    payload=payloads.university,
    date_style=DateStyle.COMPACT,
    sex_style=SexStyle.CODE,
)

CHILDREN = dataclasses.replace(
    HOUSEHOLD_REGISTER,
    name="gaj_children",
    title="未成年人户籍信息 (registered minors)",
    description="Household-registration records of everyone under 18: the base population of the "
    "orphan and de-facto unattended children scenario.",
    record_id_column="RKBH",
    selection=Selection(rate=1.0, max_age=17),
)

PRISONERS = ExtractSpec(
    name="sf_prisoners",
    department="justice",
    title="服刑人员信息 (people serving prison sentences)",
    description="Prisoners with admission date and sentence length.",
    record_id_column="罪犯编号",
    record_id_prefix="SF",
    columns=(
        (F.NAME, "姓名"),
        (F.ID_NUMBER, "身份证号"),
        (F.SEX, "性别"),
        (F.BIRTH_DATE, "出生日期"),
        (F.ADDRESS, "户籍地"),
    ),  # fmt: skip
    selection=Selection(rate=0.98, statuses=(Status.IMPRISONED,), min_age=18),
    payload=payloads.prison,
)

DRUG_REHAB = ExtractSpec(
    name="gaj_drug_rehabilitation",
    department="public-security",
    title="强制隔离戒毒人员信息 (compulsory drug rehabilitation)",
    description="People in compulsory isolated drug rehabilitation.",
    record_id_column="JDRYBH",
    record_id_prefix="JD",
    columns=((F.NAME, "XM"), (F.ID_NUMBER, "GMSFHM"), (F.SEX, "XB"), (F.BIRTH_DATE, "CSRQ")),
    selection=Selection(rate=0.98, statuses=(Status.DRUG_REHABILITATION,), min_age=18),
    payload=payloads.drug_rehab,
    date_style=DateStyle.COMPACT,
    sex_style=SexStyle.CODE,
)

MISSING = ExtractSpec(
    name="gaj_missing_persons",
    department="public-security",
    title="失踪失联人员信息 (missing persons and lost contact)",
    description="People declared missing or with whom contact was lost.",
    record_id_column="SZBH",
    record_id_prefix="SZ",
    columns=(
        (F.NAME, "XM"),
        (F.ID_NUMBER, "GMSFHM"),
        (F.SEX, "XB"),
        (F.BIRTH_DATE, "CSRQ"),
        (F.ADDRESS, "HJDZ"),
    ),  # fmt: skip
    selection=Selection(rate=0.95, statuses=(Status.MISSING, Status.LOST_CONTACT), min_age=18),
    payload=payloads.missing_person,
    date_style=DateStyle.COMPACT,
    sex_style=SexStyle.CODE,
)

GUARDIANSHIP = ExtractSpec(
    name="fy_guardianship_revoked",
    department="court",
    title="撤销监护资格判决信息 (guardianship revoked by a court)",
    description="Parents whose guardianship of a child was revoked by a court judgment.",
    record_id_column="案号",
    record_id_prefix="FY",
    columns=(
        (F.NAME, "被申请人"),
        (F.ID_NUMBER, "身份证号码"),
        (F.SEX, "性别"),
        (F.ADDRESS, "住所地"),
    ),  # fmt: skip
    selection=Selection(rate=0.98, statuses=(Status.GUARDIANSHIP_REVOKED,), min_age=18),
    payload=payloads.guardianship,
)

DEPORTED = ExtractSpec(
    name="ym_deported",
    department="immigration",
    title="被遣送（驱逐）出境人员信息 (deported persons)",
    description="Parents who were deported or expelled from the country.",
    record_id_column="qfbh",
    record_id_prefix="YM",
    columns=((F.NAME, "xm"), (F.ID_NUMBER, "zjhm"), (F.SEX, "xb"), (F.BIRTH_DATE, "csrq")),
    selection=Selection(rate=0.98, statuses=(Status.DEPORTED,), min_age=18),
    payload=payloads.deportation,
    date_style=DateStyle.COMPACT,
    sex_style=SexStyle.LETTER,
)
